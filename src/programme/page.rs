//! The printable programme (`/programme/{yyyy-mm}`, `hub programme build`): one A4 HTML page with
//! print CSS, grouped by week then by day (`Samedi 5 décembre`), each event with its times,
//! kind, place, organiser, description, places left and the volunteer tasks it needs. Every piece
//! of user text goes through `french::escape`; links only through `french::safe_href`.

use chrono::NaiveDate;

use super::{
    french::{self, escape, safe_href},
    month::{MonthProgramme, ProgrammeEvent},
};

/// Events grouped by week (Monday first), then by day, in order.
pub type Weeks<'a> = Vec<(NaiveDate, Vec<(NaiveDate, Vec<&'a ProgrammeEvent>)>)>;

/// Groups `events` (already in start order) by week and day.
pub fn weeks(events: &[ProgrammeEvent]) -> Weeks<'_> {
    let mut out: Weeks<'_> = Vec::new();
    for e in events {
        let monday = french::week_start(e.date);
        if out.last().is_none_or(|(m, _)| *m != monday) {
            out.push((monday, Vec::new()));
        }
        let days = &mut out.last_mut().expect("pushed above").1;
        if days.last().is_none_or(|(d, _)| *d != e.date) {
            days.push((e.date, Vec::new()));
        }
        days.last_mut().expect("pushed above").1.push(e);
    }
    out
}

/// `14 h – 17 h 30`.
pub fn when(e: &ProgrammeEvent) -> String {
    match e.starts_at {
        Some(start) => french::time_range(start, e.ends_at),
        None => String::new(),
    }
}

/// `Fablab · animé par Camille`.
pub fn meta(e: &ProgrammeEvent) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &e.place {
        parts.push(p.clone());
    }
    if let Some(o) = &e.organiser {
        parts.push(format!("animé par {o}"));
    }
    parts.join(" · ")
}

/// `12 places, 3 restantes`, `Complet`, or nothing without a capacity.
pub fn availability(e: &ProgrammeEvent) -> Option<String> {
    let capacity = e.capacity?;
    Some(match e.remaining() {
        Some(0) => format!("Complet ({}) — liste d'attente ouverte", french::places(capacity)),
        Some(left) if left < capacity => {
            format!("{}, {left} restante{}", french::places(capacity), if left > 1 { "s" } else { "" })
        }
        _ => french::places(capacity),
    })
}

/// The tasks that call for people (their own places), with what is left.
pub fn calls(e: &ProgrammeEvent) -> Vec<(String, Option<String>)> {
    e.tasks
        .iter()
        .filter_map(|t| {
            let places = t.places?;
            let left = (places - t.counts.confirmed).max(0);
            let state = if left == 0 { "complet".to_string() } else { format!("{left} sur {places}") };
            Some((format!("{} ({state})", t.title), t.doc_url.clone()))
        })
        .collect()
}

const STYLE: &str = "@page{size:A4;margin:14mm 14mm 16mm}\
*{box-sizing:border-box}\
body{font-family:'Helvetica Neue',Helvetica,Arial,sans-serif;color:#1d1d1b;font-size:10.5pt;line-height:1.35;margin:0 auto;max-width:182mm;padding:8mm 0}\
header{border-bottom:3px solid #b5482a;margin-bottom:6mm;padding-bottom:3mm}\
h1{font-size:24pt;margin:0}.month{font-size:15pt;margin:1mm 0 0;color:#b5482a}.venue{margin:1mm 0 0;color:#555}\
h2{font-size:12.5pt;margin:6mm 0 2mm;padding:1.5mm 3mm;background:#f3e9e4;break-after:avoid}\
h3{font-size:11pt;margin:4mm 0 1mm;break-after:avoid}\
article{display:grid;grid-template-columns:30mm 1fr;gap:0 4mm;padding:1.5mm 0 2.5mm;border-bottom:1px solid #ddd;break-inside:avoid}\
.when{font-weight:bold;white-space:nowrap}.what h4{font-size:11pt;margin:0}\
.kind{font-weight:normal;font-size:8.5pt;text-transform:uppercase;letter-spacing:.04em;color:#b5482a;margin-left:2mm}\
.meta,.places{color:#555;margin:.5mm 0 0}.description{margin:1mm 0 0}\
.calls{margin:1mm 0 0;padding-left:4mm;font-size:9.5pt}.cancelled h4{text-decoration:line-through}\
.cancelled .badge{color:#b00;font-weight:bold}.empty{font-style:italic}\
footer{margin-top:8mm;font-size:8.5pt;color:#777}\
a{color:#b5482a}@media print{a{color:inherit;text-decoration:none}body{padding:0}}";

fn event_html(e: &ProgrammeEvent, out: &mut String) {
    let class = if e.is_cancelled() { " class=\"cancelled\"" } else { "" };
    out.push_str(&format!("<article id=\"evenement-{}\"{class}>", e.id));
    out.push_str(&format!("<p class=\"when\">{}</p><div class=\"what\">", escape(&when(e))));
    out.push_str(&format!("<h4>{}<span class=\"kind\">{}</span></h4>", escape(&e.title), escape(&e.kind)));
    if e.is_cancelled() {
        out.push_str("<p class=\"badge\">Annulé</p>");
    }
    let meta = meta(e);
    if !meta.is_empty() {
        out.push_str(&format!("<p class=\"meta\">{}</p>", escape(&meta)));
    }
    if let Some(d) = &e.description {
        out.push_str(&format!("<p class=\"description\">{}</p>", escape(d)));
    }
    if let Some(places) = availability(e).filter(|_| !e.is_cancelled()) {
        out.push_str(&format!("<p class=\"places\">{}</p>", escape(&places)));
    }
    let calls = calls(e);
    if !calls.is_empty() && !e.is_cancelled() {
        out.push_str("<ul class=\"calls\">");
        for (text, doc) in calls {
            let link =
                doc.as_deref().and_then(safe_href).map(|h| format!(" · <a href=\"{h}\">guide</a>")).unwrap_or_default();
            out.push_str(&format!("<li>On cherche : {}{link}</li>", escape(&text)));
        }
        out.push_str("</ul>");
    }
    out.push_str("</div></article>");
}

/// The whole page.
pub fn render(p: &MonthProgramme) -> String {
    let label = french::capitalised(&p.month.label());
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — {}</title><style>{STYLE}</style></head><body><header><h1>{}</h1><p class=\"month\">{}</p>",
        escape(&p.title),
        escape(&label),
        escape(&p.title),
        escape(&label)
    );
    if !p.venue.trim().is_empty() {
        out.push_str(&format!("<p class=\"venue\">{}</p>", escape(&p.venue)));
    }
    out.push_str("</header><main>");
    if p.events.is_empty() {
        out.push_str("<p class=\"empty\">Aucun événement programmé ce mois-ci.</p>");
    }
    for (monday, days) in weeks(&p.events) {
        out.push_str(&format!("<section><h2>{}</h2>", escape(&french::week_heading(monday))));
        for (day, events) in days {
            out.push_str(&format!("<h3>{}</h3>", escape(&french::day_heading(day))));
            for e in events {
                event_html(e, &mut out);
            }
        }
        out.push_str("</section>");
    }
    let feed = format!("{}/programme/{}.ics", p.public_origin, p.month);
    out.push_str(&format!(
        "</main><footer>Agenda à ajouter à votre calendrier : <a href=\"{}\">{}</a></footer></body></html>",
        safe_href(&feed).unwrap_or_default(),
        escape(&feed)
    ));
    out
}
