use std::collections::HashMap;

use entity_resolver::proto::ResolveResponse;

/// A paragraph, the (entity id, mention text) pairs it must yield, and the
/// look-alike entities it must never yield.
pub struct Paragraph {
    pub name: &'static str,
    pub text: &'static str,
    pub present: &'static [(&'static str, &'static str)],
    pub absent: &'static [&'static str],
}

pub const PARAGRAPHS: &[Paragraph] = &[
    Paragraph {
        name: "ISI is the Pakistani agency, never the Islamic State; the TTP is not the Afghan Taliban",
        text: "Pakistan's foreign ministry said on Tuesday that fighters of the Tehrik-i-Taliban Pakistan \
               had slipped across from Kunar into Bajaur overnight. The ISI briefed Prime Minister Shehbaz \
               Sharif in Islamabad, while Zabihullah Mujahid, the Taliban spokesman in Kabul, denied that \
               the group operates from Afghan soil. Sharif later chaired a meeting of the security committee.",
        present: &[
            ("pakistan", "Pakistan"),
            ("ttp", "Tehrik-i-Taliban Pakistan"),
            ("kunar", "Kunar"),
            ("bajaur", "Bajaur"),
            ("isi", "ISI"),
            ("shehbaz-sharif", "Shehbaz Sharif"),
            ("islamabad", "Islamabad"),
            ("zabihullah-mujahid", "Zabihullah Mujahid"),
            ("taliban", "Taliban"),
            ("kabul", "Kabul"),
            // The surname alone, after the full name, is the same person.
            ("shehbaz-sharif", "Sharif"),
        ],
        absent: &["islamic-state", "isis-k", "nawaz-sharif", "raheel-sharif", "united-states"],
    },
    Paragraph {
        name: "Tehreek-e-Labbaik is the TLP, not the TTP; 'Is', 'us' and 'let' are English words",
        text: "Supporters of Tehreek-e-Labbaik Pakistan blocked the main highway into Lahore for a third \
               day. The TLP says the sit-in will go on until its demands are met. Police in Punjab said \
               nobody from the TTP was involved. Is the government ready to talk? Two ministers told us \
               they were, and let us know a deal was near.",
        present: &[
            ("tehreek-e-labbaik-pakistan", "Tehreek-e-Labbaik Pakistan"),
            ("lahore", "Lahore"),
            ("tehreek-e-labbaik-pakistan", "TLP"),
            ("punjab", "Punjab"),
            ("ttp", "TTP"),
        ],
        absent: &["islamic-state", "united-states", "lashkar-e-taiba", "tehreek-e-jihad-pakistan"],
    },
    Paragraph {
        name: "BLA is the Balochistan Liberation Army, not a Baloch look-alike; upper-case US is the country",
        text: "A suicide bomber from the Balochistan Liberation Army (BLA) rammed a car into a convoy near \
               Gwadar on Sunday. The BLA said its Majeed Brigade carried out the attack, the third this year \
               on Chinese nationals in Balochistan. The US embassy in Islamabad condemned the bombing, and \
               the United Nations called for restraint.",
        present: &[
            ("bla", "Balochistan Liberation Army"),
            ("bla", "BLA"),
            ("bla", "BLA"),
            ("gwadar", "Gwadar"),
            ("majeed-brigade", "Majeed Brigade"),
            ("balochistan", "Balochistan"),
            ("united-states", "US"),
            ("islamabad", "Islamabad"),
            ("united-nations", "United Nations"),
        ],
        absent: &[
            "balochistan-liberation-front",
            "baloch-republican-army",
            "baloch-nationalist-army",
            "united-baloch-army",
        ],
    },
    Paragraph {
        name: "Daesh is the Khorasan branch, LeJ al-Alami is not LeJ, and 'Tip'/'let' are words",
        text: "Daesh claimed the bombing of a Shia mosque in Kandahar, but officials in Kabul blamed \
               Lashkar-e-Jhangvi al-Alami. Sirajuddin Haqqani, whose Haqqani Network once sheltered \
               al-Qaeda leaders, promised an inquiry. Tip: let investigators finish before drawing \
               conclusions, Haqqani said.",
        present: &[
            ("isis-k", "Daesh"),
            ("kandahar", "Kandahar"),
            ("kabul", "Kabul"),
            ("lashkar-e-jhangvi-al-alami", "Lashkar-e-Jhangvi al-Alami"),
            ("sirajuddin-haqqani", "Sirajuddin Haqqani"),
            ("haqqani-network", "Haqqani Network"),
            ("al-qaeda", "al-Qaeda"),
            ("sirajuddin-haqqani", "Haqqani"),
        ],
        absent: &[
            "islamic-state",
            "lashkar-e-jhangvi",
            "lashkar-e-taiba",
            "etim",
            "jalaluddin-haqqani",
            "anas-haqqani",
        ],
    },
];

pub fn check_paragraph(paragraph: &Paragraph, response: &ResolveResponse) {
    let name = paragraph.name;
    let mut wanted: HashMap<(&str, &str), usize> = HashMap::new();
    for &pair in paragraph.present {
        *wanted.entry(pair).or_default() += 1;
    }
    for (&(id, text), &count) in &wanted {
        let found = response
            .mentions
            .iter()
            .filter(|m| m.entity_id == id && m.text == text)
            .count();
        assert!(
            found >= count,
            "[{name}] expected {count} mention(s) of {id} as {text:?}, found {found}; got {:#?}",
            response
                .mentions
                .iter()
                .map(|m| (&m.entity_id, &m.text, m.start))
                .collect::<Vec<_>>()
        );
    }
    for &id in paragraph.absent {
        let wrong: Vec<_> = response
            .mentions
            .iter()
            .filter(|m| m.entity_id == id)
            .collect();
        assert!(
            wrong.is_empty(),
            "[{name}] look-alike {id} must not be returned: {wrong:#?}"
        );
    }
}

/// Short sentences, each proving one look-alike is kept apart.
pub const LOOK_ALIKES: &[Paragraph] = &[
    Paragraph {
        name: "a one-word name in lower case is a common noun",
        text: "We ate turkey and rice before the talks.",
        present: &[],
        absent: &["turkey"],
    },
    Paragraph {
        name: "Title-case 'Let' is a word, not LeT",
        text: "Let the talks resume, the envoy said.",
        present: &[],
        absent: &["lashkar-e-taiba"],
    },
    Paragraph {
        name: "Title-case 'Tip' is a word, not TIP",
        text: "Tip: check the border crossing first.",
        present: &[],
        absent: &["etim"],
    },
    Paragraph {
        name: "'Is' opening a question is not IS",
        text: "Is it true that the talks failed?",
        present: &[],
        absent: &["islamic-state"],
    },
    Paragraph {
        name: "lower-case 'us' is a pronoun, not the US",
        text: "They told us nothing about the raid.",
        present: &[],
        absent: &["united-states"],
    },
    Paragraph {
        name: "a two-letter acronym matches only as written",
        text: "Nobody asked Us about the US decision.",
        present: &[("united-states", "US")],
        absent: &[],
    },
    Paragraph {
        name: "ISI is the Pakistani agency, not ISIS",
        text: "The ISI denied it.",
        present: &[("isi", "ISI")],
        absent: &["islamic-state", "isis-k"],
    },
    Paragraph {
        name: "a demonym is neither the country nor the Pakistani Taliban",
        text: "Pakistani officials said the raid failed.",
        present: &[],
        absent: &["pakistan", "ttp"],
    },
    Paragraph {
        name: "a weak alias alone is not enough",
        text: "Fighters loyal to Khorasan Province were seen near the border.",
        present: &[],
        absent: &["isis-k"],
    },
    Paragraph {
        name: "the Khorasan Group is not the Khorasan province of IS",
        text: "The Khorasan Group was named in the report.",
        present: &[("khorasan-group", "Khorasan Group")],
        absent: &["isis-k"],
    },
    Paragraph {
        name: "Sipah-e-Sahaba and Sipah-e-Muhammad are rivals, not variants",
        text: "Sipah-e-Sahaba Pakistan and Sipah-e-Muhammad Pakistan clashed in Jhang.",
        present: &[
            ("sipah-e-sahaba-pakistan", "Sipah-e-Sahaba Pakistan"),
            ("sipah-e-muhammad-pakistan", "Sipah-e-Muhammad Pakistan"),
        ],
        absent: &["pakistan"],
    },
    Paragraph {
        name: "title-case acronyms of three letters or more match",
        text: "Isis-K and Nato both issued statements.",
        present: &[("isis-k", "Isis-K"), ("nato", "Nato")],
        absent: &["islamic-state"],
    },
];

/// Acronyms that are not in the table but are defined in the text, as in
/// "Jamaat Ansarullah (JA)": (text, entity, name as written, acronym).
pub const DEFINED_ACRONYMS: &[(&str, &str, &str, &str)] = &[
    (
        "Fighters of the Jamaat Ansarullah (JA) crossed the river; the JA later retreated.",
        "jamaat-ansarullah",
        "Jamaat Ansarullah",
        "JA",
    ),
    (
        "The Majeed Brigade (MB) said the MB would fight on.",
        "majeed-brigade",
        "Majeed Brigade",
        "MB",
    ),
];
