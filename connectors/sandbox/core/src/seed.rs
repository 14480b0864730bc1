//! A deterministic French tiers-lieux data set shared by the sandboxes: people with accented names
//! (members, donors, bookers), rooms and a coworking space, machines and cameras. The same index
//! always gives the same person, so sandboxes seeded separately agree on who is who.

use chrono::NaiveDate;
use serde::Serialize;

const GIVEN: &[&str] = &[
    "Zoé",
    "Héloïse",
    "Anaïs",
    "Jérôme",
    "Noël",
    "Maëlle",
    "Chloé",
    "Léa",
    "Théo",
    "Gaëlle",
    "Benoît",
    "François",
    "Cécile",
    "Hélène",
    "Loïc",
    "Agnès",
    "Clément",
    "Aurélie",
    "Raphaël",
    "Océane",
    "Amélie",
    "Stéphane",
    "Inès",
    "Joël",
    "Mathéo",
    "Camille",
    "Aïcha",
    "Gérald",
    "Éloïse",
    "Valérie",
    "Sébastien",
    "Léonie",
    "Frédéric",
    "Nathanaël",
    "Maïwenn",
    "Rémi",
    "Josué",
    "Bérénice",
    "Yaël",
    "Ophélie",
];
const FAMILY: &[&str] = &[
    "Lefèvre",
    "Dupré",
    "Bénard",
    "Mégret",
    "Gauthier",
    "Rousseau",
    "Lemaître",
    "Chevalier",
    "Boucher",
    "Périer",
    "Fournier",
    "Girard",
    "Morel",
    "Féraud",
    "Delacroix",
    "Lacôte",
    "Moreau",
    "Brûlé",
    "Garnier",
    "Mercier",
    "Nguyen",
    "Benali",
    "Le Gall",
    "Hébert",
    "Kergoat",
    "Da Silva",
    "Évrard",
    "Thébault",
    "Prévost",
    "Ménard",
    "Caillaux",
    "Fabre",
    "Roussel",
    "Bouvier",
    "Poirier",
    "Aubrée",
];
const STREETS: &[&str] = &[
    "rue de la République",
    "avenue Jean-Jaurès",
    "rue Émile-Zola",
    "place du Marché",
    "rue des Écoles",
    "boulevard Victor-Hugo",
    "impasse des Lilas",
    "rue de l'Église",
    "chemin des Prés",
    "rue Pasteur",
];
const COMMUNES: &[(&str, &str)] = &[
    ("93100", "Montreuil"),
    ("69100", "Villeurbanne"),
    ("35000", "Rennes"),
    ("44000", "Nantes"),
    ("38000", "Grenoble"),
    ("59000", "Lille"),
    ("42000", "Saint-Étienne"),
    ("25000", "Besançon"),
    ("30000", "Nîmes"),
    ("45000", "Orléans"),
    ("24000", "Périgueux"),
    ("16000", "Angoulême"),
    ("29200", "Brest"),
    ("13001", "Marseille"),
    ("31000", "Toulouse"),
];

/// One person of the data set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedPerson {
    pub index: usize,
    pub given_name: String,
    pub family_name: String,
    /// Lower-case ASCII, unique per index.
    pub email: String,
    /// French mobile, national format (`06 12 34 56 78`).
    pub phone: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub birth_date: NaiveDate,
}

/// Folds accents and spaces away for e-mail local parts.
pub fn ascii_slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            let folded = match c {
                'à' | 'â' | 'ä' | 'À' | 'Â' => 'a',
                'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' => 'e',
                'î' | 'ï' | 'Î' => 'i',
                'ô' | 'ö' | 'Ô' => 'o',
                'ù' | 'û' | 'ü' => 'u',
                'ç' | 'Ç' => 'c',
                ' ' | '\'' | '-' => return Some('-'),
                c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
                _ => return None,
            };
            Some(folded)
        })
        .collect()
}

/// Person number `index` (the same every time).
pub fn person(index: usize) -> SeedPerson {
    let mut rng = fastrand::Rng::with_seed(0x7113_5000 + index as u64);
    let given = GIVEN[rng.usize(..GIVEN.len())];
    let family = FAMILY[rng.usize(..FAMILY.len())];
    let (postal_code, city) = COMMUNES[rng.usize(..COMMUNES.len())];
    let birth_date = NaiveDate::from_ymd_opt(1950 + rng.i32(0..55), rng.u32(1..=12), rng.u32(1..=28)).expect("valid");
    SeedPerson {
        index,
        given_name: given.to_string(),
        family_name: family.to_string(),
        email: format!("{}.{}{}@exemple.fr", ascii_slug(given), ascii_slug(family), index),
        phone: format!(
            "0{} {:02} {:02} {:02} {:02}",
            rng.u8(6..=7),
            rng.u8(0..100),
            rng.u8(0..100),
            rng.u8(0..100),
            rng.u8(0..100)
        ),
        street: format!("{} {}", rng.u16(1..120), STREETS[rng.usize(..STREETS.len())]),
        postal_code: postal_code.to_string(),
        city: city.to_string(),
        birth_date,
    }
}

/// The first `n` people.
pub fn people(n: usize) -> Vec<SeedPerson> {
    (0..n).map(person).collect()
}

/// A bookable space.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedRoom {
    pub slug: &'static str,
    pub name: &'static str,
    /// `room` or `coworking`.
    pub kind: &'static str,
    pub capacity: u32,
}

/// Five rooms and the coworking space.
pub fn rooms() -> Vec<SeedRoom> {
    vec![
        SeedRoom { slug: "salle-hypatia", name: "Salle Hypatia", kind: "room", capacity: 12 },
        SeedRoom { slug: "salle-olympe-de-gouges", name: "Salle Olympe-de-Gouges", kind: "room", capacity: 30 },
        SeedRoom { slug: "atelier-bois", name: "Atelier bois", kind: "room", capacity: 8 },
        SeedRoom { slug: "studio-son", name: "Studio son", kind: "room", capacity: 4 },
        SeedRoom { slug: "salle-des-fetes", name: "Salle des fêtes", kind: "room", capacity: 80 },
        SeedRoom { slug: "coworking", name: "Espace coworking", kind: "coworking", capacity: 24 },
    ]
}

/// A machine or a camera kit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedAsset {
    /// Asset tag, e.g. `FAB-0007`.
    pub tag: String,
    pub name: String,
    pub model: &'static str,
    pub category: &'static str,
    pub manufacturer: &'static str,
}

/// Some forty machines and cameras.
pub fn assets() -> Vec<SeedAsset> {
    const KINDS: &[(&str, &str, &str, usize)] = &[
        ("Imprimante 3D", "Prusa MK4", "Impression 3D", 8),
        ("Découpeuse laser", "Trotec Speedy 100", "Découpe", 2),
        ("Fraiseuse CNC", "Shaper Origin", "Usinage", 2),
        ("Brodeuse numérique", "Brother PR680W", "Textile", 2),
        ("Caméra", "Sony FX3", "Vidéo", 6),
        ("Kit caméra reportage", "Panasonic GH6", "Vidéo", 4),
        ("Enregistreur audio", "Zoom H5", "Son", 6),
        ("Vidéoprojecteur", "Epson EB-L520U", "Projection", 4),
        ("Perceuse à colonne", "Scheppach DP16", "Atelier", 2),
        ("Scie à ruban", "Record BS350", "Atelier", 2),
        ("Ordinateur portable montage", "Framework 16", "Informatique", 4),
    ];
    fn manufacturer(model: &'static str) -> &'static str {
        model.split(' ').next().unwrap_or("Inconnu")
    }
    let mut out = Vec::new();
    for (name, model, category, count) in KINDS {
        for i in 1..=*count {
            out.push(SeedAsset {
                tag: format!("FAB-{:04}", out.len() + 1),
                name: format!("{name} n°{i}"),
                model,
                category,
                manufacturer: manufacturer(model),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_set_is_deterministic_french_and_sized() {
        assert_eq!(person(17), person(17));
        let p = people(300);
        assert!(p.iter().any(|x| !x.given_name.is_ascii()), "accented names");
        let emails: std::collections::HashSet<_> = p.iter().map(|x| &x.email).collect();
        assert_eq!(emails.len(), 300, "unique e-mails");
        assert!(p.iter().all(|x| x.email.is_ascii()));
        assert_eq!(rooms().len(), 6);
        let a = assets();
        assert!((38..=45).contains(&a.len()), "{}", a.len());
        assert_eq!(a[0].tag, "FAB-0001");
    }
}
