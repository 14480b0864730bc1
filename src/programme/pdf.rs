//! The printable programme as a PDF, laid out here with `pdf-writer` (no browser, no system
//! library, no embedded font): A4 pages in the PDF's built-in Helvetica (regular, bold, oblique;
//! WinAnsiEncoding, see `winansi`), the same content as the HTML page — title and month, then
//! weeks, days and events (times, title, kind, place and organiser, description, places left,
//! tasks calling for people) — with an event never split across pages, a heading never left
//! alone at the foot of a page, and `page N / M` at the bottom.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{
    french,
    month::{MonthProgramme, ProgrammeEvent},
    page::{availability, calls, meta, weeks, when},
    winansi::{encode, width},
};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 50.0;
const TOP: f32 = PAGE_H - 56.0;
const BOTTOM: f32 = 60.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const TIME_COL: f32 = 88.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Font {
    Regular,
    Bold,
    Oblique,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Oblique => Name(b"F3"),
        }
    }
}

type Rgb = (f32, f32, f32);
const INK: Rgb = (0.11, 0.11, 0.1);
const GREY: Rgb = (0.33, 0.33, 0.33);
const ACCENT: Rgb = (0.71, 0.28, 0.16);
const BAND: Rgb = (0.95, 0.91, 0.89);

/// One thing drawn, relative to its block's top.
#[derive(Debug, Clone)]
enum Op {
    Text { x: f32, dy: f32, font: Font, size: f32, color: Rgb, bytes: Vec<u8> },
    Band { dy: f32, h: f32 },
    Rule { dy: f32, color: Rgb },
}

/// A block kept on one page: its ops and height.
#[derive(Debug, Clone, Default)]
struct Block {
    ops: Vec<Op>,
    height: f32,
    /// A heading: needs room for what follows too.
    keep_with_next: bool,
}

impl Block {
    /// Adds wrapped `text` at `x` within `w`, line height 1.3 × size.
    fn text(&mut self, x: f32, w: f32, font: Font, size: f32, color: Rgb, text: &str) {
        for line in wrap(text, font == Font::Bold, size, w) {
            self.height += size * 1.3;
            self.ops.push(Op::Text { x, dy: self.height - size * 0.3, font, size, color, bytes: line });
        }
    }

    fn gap(&mut self, h: f32) {
        self.height += h;
    }
}

/// Breaks `text` into encoded lines no wider than `w` (at spaces; a longer word is cut).
fn wrap(text: &str, bold: bool, size: f32, w: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n').map(str::trim).filter(|p| !p.is_empty()) {
        let mut line: Vec<u8> = Vec::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let mut word = encode(word);
            let candidate = if line.is_empty() { word.clone() } else { [line.as_slice(), b" ", &word].concat() };
            if width(&candidate, bold, size) <= w {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            while width(&word, bold, size) > w && word.len() > 1 {
                let mut cut = word.len() - 1;
                while cut > 1 && width(&word[..cut], bold, size) > w {
                    cut -= 1;
                }
                lines.push(word[..cut].to_vec());
                word = word[cut..].to_vec();
            }
            line = word;
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

fn header(p: &MonthProgramme) -> Block {
    let mut b = Block::default();
    b.text(MARGIN_X, TEXT_W, Font::Bold, 22.0, INK, &p.title);
    b.text(MARGIN_X, TEXT_W, Font::Regular, 14.0, ACCENT, &french::capitalised(&p.month.label()));
    if !p.venue.trim().is_empty() {
        b.text(MARGIN_X, TEXT_W, Font::Regular, 10.0, GREY, &p.venue);
    }
    b.gap(6.0);
    b.ops.push(Op::Rule { dy: b.height, color: ACCENT });
    b.gap(4.0);
    if p.events.is_empty() {
        b.gap(10.0);
        b.text(MARGIN_X, TEXT_W, Font::Oblique, 11.0, GREY, "Aucun événement programmé ce mois-ci.");
    }
    b
}

fn heading(text: &str, week: bool) -> Block {
    let mut b = Block { keep_with_next: true, ..Block::default() };
    b.gap(if week { 12.0 } else { 7.0 });
    let size = if week { 12.0 } else { 11.0 };
    if week {
        b.ops.push(Op::Band { dy: b.height, h: size * 1.3 + 6.0 });
        b.gap(3.0);
    }
    b.text(MARGIN_X + if week { 6.0 } else { 0.0 }, TEXT_W - 12.0, Font::Bold, size, INK, text);
    b.gap(if week { 5.0 } else { 1.0 });
    b
}

fn event_block(e: &ProgrammeEvent) -> Block {
    let (x, w) = (MARGIN_X + TIME_COL, TEXT_W - TIME_COL);
    let mut b = Block::default();
    b.gap(3.0);
    let top = b.height;
    b.text(MARGIN_X, TIME_COL - 6.0, Font::Bold, 10.0, ACCENT, &when(e));
    let time_bottom = b.height;
    b.height = top;
    let title = if e.is_cancelled() { format!("{} (annulé)", e.title) } else { e.title.clone() };
    b.text(x, w, Font::Bold, 11.0, INK, &title);
    b.text(x, w, Font::Regular, 8.0, ACCENT, &e.kind.to_uppercase());
    let meta = meta(e);
    if !meta.is_empty() {
        b.text(x, w, Font::Regular, 9.5, GREY, &meta);
    }
    if let Some(d) = &e.description {
        b.text(x, w, Font::Regular, 9.5, INK, d);
    }
    if !e.is_cancelled() {
        if let Some(places) = availability(e) {
            b.text(x, w, Font::Oblique, 9.0, GREY, &places);
        }
        for (call, _) in calls(e) {
            b.text(x, w, Font::Regular, 9.0, INK, &format!("On cherche : {call}"));
        }
    }
    b.height = b.height.max(time_bottom) + 4.0;
    b.ops.push(Op::Rule { dy: b.height, color: (0.85, 0.85, 0.85) });
    b
}

/// Places blocks on pages: a block that does not fit starts a new page, a heading moves with the
/// block after it.
fn paginate(blocks: Vec<Block>) -> Vec<Vec<(f32, Block)>> {
    let mut pages: Vec<Vec<(f32, Block)>> = vec![Vec::new()];
    let mut y = TOP;
    for (i, block) in blocks.iter().enumerate() {
        let mut needed = block.height;
        if block.keep_with_next {
            needed += blocks[i + 1..].iter().take_while(|b| b.keep_with_next).map(|b| b.height).sum::<f32>();
            needed += blocks[i + 1..].iter().find(|b| !b.keep_with_next).map_or(0.0, |b| b.height);
        }
        let page_empty = pages.last().is_some_and(Vec::is_empty);
        if y - needed < BOTTOM && !page_empty {
            pages.push(Vec::new());
            y = TOP;
        }
        pages.last_mut().expect("one page at least").push((y, block.clone()));
        y -= block.height;
    }
    pages
}

fn draw(content: &mut Content, top: f32, block: &Block) {
    for op in &block.ops {
        match op {
            Op::Text { x, dy, font, size, color, bytes } => {
                content.set_fill_rgb(color.0, color.1, color.2);
                content.begin_text();
                content.set_font(font.name(), *size);
                content.next_line(*x, top - dy);
                content.show(Str(bytes));
                content.end_text();
            }
            Op::Band { dy, h } => {
                content.set_fill_rgb(BAND.0, BAND.1, BAND.2);
                content.rect(MARGIN_X, top - dy - h, TEXT_W, *h);
                content.fill_nonzero();
            }
            Op::Rule { dy, color } => {
                content.set_stroke_rgb(color.0, color.1, color.2);
                content.set_line_width(0.6);
                content.move_to(MARGIN_X, top - dy);
                content.line_to(MARGIN_X + TEXT_W, top - dy);
                content.stroke();
            }
        }
    }
}

/// The PDF's bytes.
pub fn render(p: &MonthProgramme) -> Vec<u8> {
    let mut blocks = vec![header(p)];
    for (monday, days) in weeks(&p.events) {
        blocks.push(heading(&french::week_heading(monday), true));
        for (day, events) in days {
            blocks.push(heading(&french::day_heading(day), false));
            blocks.extend(events.into_iter().map(event_block));
        }
    }
    let pages = paginate(blocks);
    let (catalog, tree, info) = (Ref::new(1), Ref::new(2), Ref::new(3));
    let fonts = [
        (Font::Regular, Ref::new(4), "Helvetica"),
        (Font::Bold, Ref::new(5), "Helvetica-Bold"),
        (Font::Oblique, Ref::new(6), "Helvetica-Oblique"),
    ];
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(7 + 2 * i as i32)).collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    let title = format!("{} — {}", p.title, p.month.label());
    pdf.document_info(info).title(TextStr(&title)).creator(TextStr("hub (tiers-lieux)"));
    for (_, id, base) in fonts {
        pdf.type1_font(id).base_font(Name(base.as_bytes())).encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let footer_label = format!("{} · {}", p.title, p.month.label());
    for (n, (blocks, id)) in pages.iter().zip(&page_ids).enumerate() {
        let content_id = Ref::new(id.get() + 1);
        let mut page = pdf.page(*id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).parent(tree).contents(content_id);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for (font, fid, _) in fonts {
            font_dict.pair(font.name(), fid);
        }
        font_dict.finish();
        resources.finish();
        page.finish();
        let mut content = Content::new();
        for (top, block) in blocks {
            draw(&mut content, *top, block);
        }
        let mut footer = Block::default();
        footer.text(
            MARGIN_X,
            TEXT_W,
            Font::Regular,
            8.0,
            GREY,
            &format!("{footer_label} — page {} / {}", n + 1, pages.len()),
        );
        draw(&mut content, BOTTOM - 20.0, &footer);
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_spaces_and_long_words_are_cut() {
        let lines = wrap("Atelier de réparation de vélos et de petits appareils électriques", false, 10.0, 120.0);
        assert!(lines.len() > 1 && lines.iter().all(|l| width(l, false, 10.0) <= 120.0), "{lines:?}");
        assert_eq!(lines.concat().iter().filter(|b| **b == b' ').count() + lines.len(), 10, "spaces become line ends");
        let long = wrap(&"x".repeat(200), true, 10.0, 100.0);
        assert!(long.len() > 1 && long.iter().all(|l| width(l, true, 10.0) <= 100.0));
        assert_eq!(
            wrap("14\u{a0}h\u{a0}30", false, 10.0, 1000.0),
            vec![b"14\xa0h\xa030".to_vec()],
            "no break at a no-break space"
        );
    }
}
