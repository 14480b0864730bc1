//! Text for the PDF's built-in Helvetica (a standard Type 1 font every PDF reader has, so nothing
//! is embedded): WinAnsiEncoding bytes and the fonts' advance widths (Adobe's metrics, in
//! thousandths of the font size) for line breaking. French is covered: é è ê à â ç ô î û ù ï ë œ
//! Œ « » € – — ’ … and the no-break space. Characters outside the encoding are substituted: the
//! narrow no-break space (U+202F) and thin spaces by a no-break space, other dashes and hyphens by
//! `-`, anything else by `?` (emoji are dropped).

/// The byte of `c` in WinAnsiEncoding, if it has one.
fn byte(c: char) -> Option<u8> {
    let code = c as u32;
    match code {
        0x20..=0x7e | 0xa0..=0xff => Some(code as u8),
        _ => Some(match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            _ => return None,
        }),
    }
}

/// `text` in WinAnsiEncoding, with the substitutions above.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Some(b) = byte(c) {
            out.push(b);
            continue;
        }
        match c {
            '\u{202f}' | '\u{2007}' | '\u{2009}' | '\u{200a}' => out.push(0xa0),
            '\u{2002}'..='\u{2006}' | '\t' | '\n' | '\r' => out.push(b' '),
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2212}' => out.push(b'-'),
            '\u{2015}' => out.push(0x97),
            '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{fe0f}' => {}
            c if (c as u32) > 0xffff => {}
            _ => out.push(b'?'),
        }
    }
    out
}

const REGULAR: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, //
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, //
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, //
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, //
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350, //
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, //
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667, //
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, //
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, //
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, //
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, //
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, //
];

const BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, //
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, //
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, //
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, //
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350, //
    556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, //
    350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667, //
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, //
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, //
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, //
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, //
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, //
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, //
];

/// The width of encoded `bytes` at `size` points.
pub fn width(bytes: &[u8], bold: bool, size: f32) -> f32 {
    let table = if bold { &BOLD } else { &REGULAR };
    let units: u32 = bytes.iter().map(|b| u32::from(table[usize::from(b.saturating_sub(32))])).sum();
    units as f32 * size / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_keeps_its_letters() {
        assert_eq!(encode("Où ça ? Œuvre, cœur"), b"O\xf9 \xe7a ? \x8cuvre, c\x9cur");
        assert_eq!(encode("14\u{202f}h – « été » 5 €"), b"14\xa0h \x96 \xab \xe9t\xe9 \xbb 5 \x80");
        assert_eq!(encode("Repair café 🔧"), b"Repair caf\xe9 ");
        assert_eq!(encode("Łódź"), b"?\xf3d?");
    }

    #[test]
    fn widths_follow_helvetica() {
        assert!((width(b"i", false, 10.0) - 2.22).abs() < 1e-4);
        assert!(width(b"Atelier", true, 10.0) > width(b"Atelier", false, 10.0));
    }
}
