//! Builds small XLSX and ODS workbooks in memory (hand-written OOXML and OpenDocument parts in a
//! zip), with text, number, date and time cells as Excel and LibreOffice write them. Public so the
//! crate's tests and the hub's programme tests share one builder.

use std::io::{Cursor, Write};

use chrono::{NaiveDate, Timelike};
use zip::{CompressionMethod, ZipWriter, write::SimpleFileOptions};

/// A cell of a fixture.
#[derive(Debug, Clone)]
pub enum V {
    Empty,
    Text(String),
    Num(f64),
    Date(NaiveDate),
    /// Hours and minutes.
    Time(u32, u32),
}

pub type Sheet = (&'static str, Vec<Vec<V>>);

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn zip(parts: &[(&str, String)], store_first: bool) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (i, (name, body)) in parts.iter().enumerate() {
        let method = if i == 0 && store_first { CompressionMethod::Stored } else { CompressionMethod::Deflated };
        writer.start_file(*name, SimpleFileOptions::default().compression_method(method)).unwrap();
        writer.write_all(body.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The Excel serial of a date (1900 system).
fn serial(date: NaiveDate) -> f64 {
    (date - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days() as f64
}

fn column_letter(i: usize) -> char {
    (b'A' + i as u8) as char
}

/// An XLSX workbook: shared strings for text, style 1 (numFmt 14) for dates, 2 (numFmt 20,
/// `h:mm`) for times.
pub fn xlsx(sheets: &[Sheet]) -> Vec<u8> {
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut strings: Vec<String> = Vec::new();
    let mut parts: Vec<(String, String)> = Vec::new();
    let mut overrides = String::new();
    let (mut book_sheets, mut book_rels) = (String::new(), String::new());
    for (n, (name, rows)) in sheets.iter().enumerate() {
        let n = n + 1;
        let mut data = String::new();
        for (r, row) in rows.iter().enumerate() {
            data.push_str(&format!("<row r=\"{}\">", r + 1));
            for (c, value) in row.iter().enumerate() {
                let at = format!("{}{}", column_letter(c), r + 1);
                let cell = match value {
                    V::Empty => continue,
                    V::Text(t) => {
                        strings.push(esc(t));
                        format!("<c r=\"{at}\" t=\"s\"><v>{}</v></c>", strings.len() - 1)
                    }
                    V::Num(x) => format!("<c r=\"{at}\"><v>{x}</v></c>"),
                    V::Date(d) => format!("<c r=\"{at}\" s=\"1\"><v>{}</v></c>", serial(*d)),
                    V::Time(h, m) => {
                        format!("<c r=\"{at}\" s=\"2\"><v>{}</v></c>", f64::from(h * 60 + m) / 1440.0)
                    }
                };
                data.push_str(&cell);
            }
            data.push_str("</row>");
        }
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"{main}\"><sheetData>{data}</sheetData></worksheet>"),
        ));
        overrides.push_str(&format!("<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"));
        book_sheets.push_str(&format!("<sheet name=\"{}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>", esc(name)));
        book_rels.push_str(&format!(
            "<Relationship Id=\"rId{n}\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
        ));
    }
    let shared: String = strings.iter().map(|s| format!("<si><t xml:space=\"preserve\">{s}</t></si>")).collect();
    let mut all = vec![
        (
            "[Content_Types].xml".to_string(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
             <Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>\
             {overrides}</Types>"
            ),
        ),
        (
            "_rels/.rels".to_string(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
        ),
        (
            "xl/workbook.xml".to_string(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{main}\" xmlns:r=\"{rel}\"><sheets>{book_sheets}</sheets></workbook>"
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels".to_string(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{book_rels}\
             <Relationship Id=\"rIdS\" Type=\"{rel}/styles\" Target=\"styles.xml\"/>\
             <Relationship Id=\"rIdT\" Type=\"{rel}/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"
            ),
        ),
        (
            "xl/styles.xml".to_string(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"{main}\">\
             <fonts count=\"1\"><font/></fonts><fills count=\"1\"><fill/></fills><borders count=\"1\"><border/></borders>\
             <cellStyleXfs count=\"1\"><xf numFmtId=\"0\"/></cellStyleXfs>\
             <cellXfs count=\"3\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/><xf numFmtId=\"20\" applyNumberFormat=\"1\"/></cellXfs>\
             </styleSheet>"
            ),
        ),
        (
            "xl/sharedStrings.xml".to_string(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"{main}\" count=\"{0}\" uniqueCount=\"{0}\">{shared}</sst>",
                strings.len()
            ),
        ),
    ];
    all.extend(parts);
    let refs: Vec<(&str, String)> = all.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    zip(&refs, false)
}

const ODS_MIME: &str = "application/vnd.oasis.opendocument.spreadsheet";

fn ods_cell(value: &V) -> String {
    match value {
        V::Empty => "<table:table-cell/>".into(),
        V::Text(t) => format!(
            "<table:table-cell office:value-type=\"string\" calcext:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
            esc(t)
        ),
        V::Num(x) => format!(
            "<table:table-cell office:value-type=\"float\" office:value=\"{x}\" calcext:value-type=\"float\"><text:p>{x}</text:p></table:table-cell>"
        ),
        V::Date(d) => format!(
            "<table:table-cell office:value-type=\"date\" office:date-value=\"{}\" calcext:value-type=\"date\"><text:p>{}</text:p></table:table-cell>",
            d.format("%Y-%m-%d"),
            d.format("%d/%m/%Y")
        ),
        V::Time(h, m) => format!(
            "<table:table-cell office:value-type=\"time\" office:time-value=\"PT{h:02}H{m:02}M00S\" calcext:value-type=\"time\"><text:p>{h:02}:{m:02}</text:p></table:table-cell>"
        ),
    }
}

/// An ODS workbook as LibreOffice writes it: `mimetype` stored first, then `content.xml` and the
/// manifest; `mimetype_first: false` puts the mimetype last, compressed (a sloppy writer).
pub fn ods(sheets: &[Sheet], mimetype_first: bool) -> Vec<u8> {
    let mut tables = String::new();
    for (name, rows) in sheets {
        tables.push_str(&format!("<table:table table:name=\"{}\">", esc(name)));
        for row in rows {
            tables.push_str("<table:table-row>");
            row.iter().for_each(|v| tables.push_str(&ods_cell(v)));
            tables.push_str("</table:table-row>");
        }
        // LibreOffice pads a sheet with repeated empty rows.
        tables.push_str("<table:table-row table:number-rows-repeated=\"1048000\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>");
        tables.push_str("</table:table>");
    }
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
         xmlns:calcext=\"urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0\" \
         office:version=\"1.3\"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    );
    let manifest = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">\
         <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.3\" manifest:media-type=\"{ODS_MIME}\"/>\
         <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>"
    );
    let mut parts = vec![("content.xml", content), ("META-INF/manifest.xml", manifest)];
    if mimetype_first {
        parts.insert(0, ("mimetype", ODS_MIME.to_string()));
    } else {
        parts.push(("mimetype", ODS_MIME.to_string()));
    }
    zip(&parts, mimetype_first)
}

/// The programme used by the workbook tests: a title line, the French headers, three events
/// (one with a date-time end), and a row with an unreadable date.
pub fn programme() -> Vec<Vec<V>> {
    let d = |day| V::Date(NaiveDate::from_ymd_opt(2026, 12, day).unwrap());
    vec![
        vec![V::Text("Programme de décembre".into())],
        ["Date", "Début", "Fin", "Titre", "Type", "Lieu", "Animateur·rice", "Jauge", "Description"]
            .into_iter()
            .map(|h| V::Text(h.into()))
            .collect(),
        vec![
            d(5),
            V::Time(14, 0),
            V::Time(17, 30),
            V::Text("Repair café".into()),
            V::Text("atelier".into()),
            V::Text("Fablab".into()),
            V::Text("Camille".into()),
            V::Num(12.0),
            V::Text("Apportez vos objets".into()),
        ],
        vec![
            V::Text("12/12/2026".into()),
            V::Text("18h30".into()),
            V::Empty,
            V::Text("Conférence climat".into()),
            V::Text("conférence".into()),
            V::Empty,
            V::Empty,
            V::Text("40 places".into()),
            V::Empty,
        ],
        vec![
            d(19),
            V::Time(9, 15),
            V::Time(12, 0),
            V::Text("Couture".into()),
            V::Text("atelier".into()),
            V::Text("Salle 2".into()),
            V::Text("Sam & Lou".into()),
            V::Empty,
            V::Empty,
        ],
        vec![
            V::Text("32/12/2026".into()),
            V::Time(10, 0),
            V::Empty,
            V::Text("Fantôme".into()),
            V::Text("atelier".into()),
        ],
    ]
}

/// The time of a fixture cell, for assertions.
pub fn hm(t: chrono::NaiveTime) -> (u32, u32) {
    (t.hour(), t.minute())
}
