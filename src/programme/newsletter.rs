//! The newsletter block (`/programme/{yyyy-mm}/newsletter`, `hub programme build`): an HTML
//! fragment that e-mail tools accept as it is — nested tables for layout, every style inline, no
//! script, no external stylesheet, no web font, no image. One row per event of the month (the
//! cancelled ones left out), with its day, times, title, kind, place and a few words; links (to
//! the printable programme and the calendar feed) only when `programme.public_url` is set, since
//! a relative link means nothing in an e-mail. User text is escaped.

use super::{
    french::{self, escape, safe_href},
    month::{MonthProgramme, ProgrammeEvent},
    page::{availability, meta, when},
};

const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
const ACCENT: &str = "#b5482a";
/// Descriptions longer than this are cut (at a word) in the newsletter.
const DESCRIPTION_CHARS: usize = 220;

fn shortened(text: &str) -> String {
    if text.chars().count() <= DESCRIPTION_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(DESCRIPTION_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', '.', ' ']))
}

fn event_row(e: &ProgrammeEvent, link: Option<&str>) -> String {
    let mut what = format!(
        "<div style=\"{FONT}font-size:16px;font-weight:bold;line-height:1.3;\">{}</div>\
         <div style=\"{FONT}font-size:12px;color:{ACCENT};text-transform:uppercase;letter-spacing:1px;padding-top:2px;\">{}</div>",
        escape(&e.title),
        escape(&e.kind)
    );
    let meta = meta(e);
    if !meta.is_empty() {
        what.push_str(&format!(
            "<div style=\"{FONT}font-size:13px;color:#555555;padding-top:4px;\">{}</div>",
            escape(&meta)
        ));
    }
    if let Some(d) = &e.description {
        what.push_str(&format!(
            "<div style=\"{FONT}font-size:14px;color:#1d1d1b;line-height:1.4;padding-top:6px;\">{}</div>",
            escape(&shortened(d))
        ));
    }
    if let Some(places) = availability(e) {
        what.push_str(&format!(
            "<div style=\"{FONT}font-size:13px;color:#555555;padding-top:4px;\">{}</div>",
            escape(&places)
        ));
    }
    if let Some(href) = link {
        what.push_str(&format!(
            "<div style=\"{FONT}font-size:14px;padding-top:6px;\"><a href=\"{href}#evenement-{}\" style=\"color:{ACCENT};text-decoration:underline;\">En savoir plus</a></div>",
            e.id
        ));
    }
    format!(
        "<tr><td style=\"padding:14px 0;border-top:1px solid #dddddd;\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;\"><tr>\
         <td width=\"130\" valign=\"top\" style=\"{FONT}font-size:14px;font-weight:bold;color:{ACCENT};padding-right:12px;width:130px;\">{}<br>{}</td>\
         <td valign=\"top\" style=\"padding:0;\">{what}</td></tr></table></td></tr>",
        escape(&french::capitalised(&french::day_label(e.date))),
        escape(&when(e))
    )
}

/// The block.
pub fn render(p: &MonthProgramme) -> String {
    let origin = safe_href(&p.public_origin).filter(|o| !o.starts_with('/'));
    let page = origin.as_ref().map(|o| format!("{o}/programme/{}", p.month));
    let mut out = format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"width:100%;max-width:600px;border-collapse:collapse;background-color:#ffffff;\">\
         <tr><td style=\"{FONT}font-size:22px;font-weight:bold;color:#1d1d1b;padding:8px 0 2px;\">{}</td></tr>\
         <tr><td style=\"{FONT}font-size:16px;color:{ACCENT};padding:0 0 10px;\">{}</td></tr>",
        escape(&p.title),
        escape(&french::capitalised(&p.month.label()))
    );
    let events: Vec<&ProgrammeEvent> = p.events.iter().filter(|e| !e.is_cancelled()).collect();
    if events.is_empty() {
        out.push_str(&format!(
            "<tr><td style=\"{FONT}font-size:14px;font-style:italic;padding:10px 0;\">Aucun événement programmé ce mois-ci.</td></tr>"
        ));
    }
    for e in events {
        out.push_str(&event_row(e, page.as_deref()));
    }
    if let (Some(page), Some(origin)) = (&page, &origin) {
        out.push_str(&format!(
            "<tr><td style=\"{FONT}font-size:13px;color:#555555;padding:14px 0 0;border-top:1px solid #dddddd;\">\
             <a href=\"{page}\" style=\"color:{ACCENT};\">Le programme complet</a> · \
             <a href=\"{origin}/programme/{}.ics\" style=\"color:{ACCENT};\">l'agenda à ajouter à votre calendrier</a></td></tr>",
            p.month
        ));
    }
    out.push_str("</table>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_descriptions_are_cut_at_a_word() {
        let long = "mot ".repeat(100);
        let short = shortened(&long);
        assert!(short.ends_with('…') && short.chars().count() <= DESCRIPTION_CHARS + 1, "{short}");
        assert_eq!(shortened("court"), "court");
    }
}
