//! The texts loadgen sends: a payload file, or news paragraphs built in.

use std::path::Path;

use entity_resolver::Error;

/// A text to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Document {
    pub(super) id: String,
    pub(super) text: String,
}

pub(super) fn load_payload(path: Option<&Path>) -> Result<Vec<Document>, Error> {
    let Some(path) = path else {
        return Ok(BUILT_IN_PARAGRAPHS
            .iter()
            .enumerate()
            .map(|(index, text)| Document {
                id: format!("built-in-{}", index + 1),
                text: text.to_string(),
            })
            .collect());
    };
    let name = path.display().to_string();
    let content = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: name.clone(),
        source,
    })?;
    split_payload(&content, &name)
}

/// JSONL when the content starts with `{`, otherwise paragraphs separated by
/// blank lines. Empty texts are left out: they would measure nothing.
fn split_payload(content: &str, name: &str) -> Result<Vec<Document>, Error> {
    let invalid = |message: String| Error::invalid_argument("--payload", message);
    let mut documents = Vec::new();
    if content.trim_start().starts_with('{') {
        for (index, line) in content.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = format!("{name}:{}", index + 1);
            let value: serde_json::Value = serde_json::from_str(line)
                .map_err(|error| invalid(format!("{at}: not JSON: {error}")))?;
            let text = value
                .get("text")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| invalid(format!("{at}: no \"text\" string")))?;
            let id = match value.get("id") {
                None | Some(serde_json::Value::Null) => format!("line-{}", index + 1),
                Some(serde_json::Value::String(id)) => id.clone(),
                Some(serde_json::Value::Number(id)) => id.to_string(),
                Some(_) => {
                    return Err(invalid(format!(
                        "{at}: \"id\" is neither a string nor a number"
                    )))
                }
            };
            if !text.is_empty() {
                documents.push(Document {
                    id,
                    text: text.to_string(),
                });
            }
        }
    } else {
        let mut paragraph: Vec<&str> = Vec::new();
        for line in content.lines().chain([""]) {
            if !line.trim().is_empty() {
                paragraph.push(line);
            } else if !paragraph.is_empty() {
                documents.push(Document {
                    id: format!("paragraph-{}", documents.len() + 1),
                    text: paragraph.join("\n"),
                });
                paragraph.clear();
            }
        }
    }
    if documents.is_empty() {
        return Err(invalid(format!("{name} holds no text to send")));
    }
    Ok(documents)
}

/// News-style paragraphs of about 1 KB, written for this tool, dense with the
/// names the resolver knows (and a few it must tell apart).
const BUILT_IN_PARAGRAPHS: [&str; 8] = [
    "PESHAWAR - Security officials in Khyber Pakhtunkhwa said on Tuesday that a convoy carrying \
     Frontier Corps personnel came under fire near the Torkham border crossing, hours after trade \
     between Pakistan and Afghanistan resumed following a week-long closure. A provincial police \
     spokesman said the attackers fled toward the mountains and that a search operation was under \
     way. No group immediately claimed responsibility, though officials privately pointed to the \
     Tehrik-i-Taliban Pakistan (TTP), which has stepped up its attacks in the north-west over the \
     past two years. In Kabul, Zabihullah Mujahid, the chief spokesman of the Taliban \
     administration, said Afghan soil would not be used against any neighbour and urged Islamabad \
     to solve its security problems at home. Traders at Torkham said hundreds of lorries loaded \
     with fruit, coal and cement were still waiting on both sides of the frontier, and that every \
     closure cost them dearly in spoiled goods and lost contracts.",
    "KABUL - The Islamic State Khorasan Province (ISKP) said it was behind a suicide bombing \
     outside a government ministry in the Afghan capital on Monday that killed at least six \
     people, according to a statement circulated on the group's channels. ISIS-K, as the \
     affiliate is also known, has repeatedly targeted Taliban officials, Hazara neighbourhoods \
     and foreign interests since the last American troops left in August 2021. Taliban security \
     forces sealed off the area, and a spokesman for the interior ministry said the bomber had \
     been stopped at a checkpoint before he reached the gate. Analysts in Islamabad said the \
     attack showed that the group could still strike heavily guarded districts of Kabul despite \
     a sustained crackdown on its cells in Nangarhar and Kunar. The United Nations Assistance \
     Mission in Afghanistan condemned the bombing and called for those responsible to be brought \
     to justice, while several embassies advised their staff to limit movement in the city.",
    "ISLAMABAD - Prime Minister Shehbaz Sharif chaired a meeting of the National Security \
     Committee on Friday to review the situation along the western border, his office said. The \
     chief of army staff, the director general of the Inter-Services Intelligence (ISI) and the \
     ministers for interior, defence and foreign affairs attended. Participants agreed that \
     militancy would be met with the full force of the state and that the government would press \
     the authorities in Kabul to act against TTP hideouts on Afghan soil. Sharif said Pakistan \
     wanted good relations with Afghanistan but could not accept attacks planned across the \
     Durand Line. Opposition lawmakers from Pakistan Tehreek-e-Insaf criticised the government \
     for failing to brief parliament first and demanded a debate on counter-terrorism policy in \
     both houses. A separate statement said the ISI would share evidence of cross-border \
     planning with friendly countries before the next round of regional talks in Tashkent.",
    "QUETTA - Thousands of Afghan families went back into Afghanistan through the Chaman border \
     crossing this week as Pakistan pressed ahead with its campaign to expel undocumented \
     foreigners, officials of the UN refugee agency said. UNHCR staff at the crossing reported \
     long queues of trucks piled with household belongings, and said many of those leaving had \
     lived in Balochistan for decades. In Kandahar, Taliban officials set up transit camps with \
     tents, water and basic medical care, but aid groups warned that the winter would strain \
     supplies already stretched by drought and a collapsing economy. The government in Islamabad \
     has defended the deportations as a security measure, citing what it describes as the \
     involvement of Afghan nationals in suicide attacks. Rights organisations, Amnesty \
     International among them, urged Pakistan to halt the expulsions and to protect women, \
     journalists and former soldiers who could face reprisals after their return.",
    "GWADAR - Fighters of the Balochistan Liberation Army (BLA) attacked a compound used by \
     Chinese engineers working on projects of the China-Pakistan Economic Corridor on \
     Wednesday, the military's media wing said. Inter-Services Public Relations said every \
     attacker was killed in an exchange of fire that lasted several hours and that no foreign \
     national was harmed. The BLA said in a message to reporters that it opposed what it called \
     the plunder of Baloch resources by outsiders. The Chinese embassy in Islamabad urged \
     Pakistan to tighten protection for its citizens, recalling earlier attacks in Karachi and \
     at Dasu. Officials in Quetta said the assault would not delay work on the port or the \
     coastal highway, but business leaders in the province said repeated violence was scaring \
     away the investors Balochistan needs. Police later arrested two men in Turbat suspected of \
     scouting the compound in the weeks before the attack.",
    "DOHA - Envoys of Pakistan and of the Taliban government in Afghanistan met in the Qatari \
     capital over the weekend to ease tensions after a series of cross-border clashes, \
     diplomats said. Pakistan's delegation was led by its special representative for \
     Afghanistan, while Amir Khan Muttaqi, the Taliban's acting foreign minister, headed the \
     Afghan side. According to a short joint statement, both sides agreed to set up a mechanism \
     to investigate incidents along the frontier and to keep the Torkham and Chaman crossings \
     open to trade. Zabihullah Mujahid told reporters in Kabul that the talks had been \
     constructive, but repeated that the TTP was a Pakistani problem. Officials in Islamabad \
     said they expected verifiable action against the militants, and that further rounds would \
     depend on whether violence in Khyber Pakhtunkhwa fell in the coming weeks. Qatar's foreign \
     ministry offered to host a second meeting before the end of the month.",
    "MIRAMSHAH - The Pakistan Army said on Thursday that soldiers had killed eleven militants \
     during an intelligence-based operation in North Waziristan, a former tribal district on \
     the border with Afghanistan's Khost province. The statement said the raid targeted a \
     hideout of the Hafiz Gul Bahadur group, a faction that has worked with the Tehreek-e-Taliban \
     Pakistan in recent attacks on security posts. Two soldiers, a captain among them, died in \
     the fighting. Residents of Mir Ali said mobile phone service had been suspended and that a \
     curfew was in force across several villages. Lawmakers from the district called for the \
     internet to be restored and for compensation for homes damaged in the raids, while tribal \
     elders held a jirga in Bannu to demand a say in security decisions that affect their area. \
     The Inter-Services Intelligence was not named in the statement, but officials said the \
     raid followed weeks of surveillance.",
    "NEW YORK - A United Nations monitoring team said in its latest report to the Security \
     Council that the Tehrik-e-Taliban Pakistan kept several thousand fighters in Afghanistan \
     and still received help from parts of the Taliban movement. The report also said that \
     al-Qaeda kept a small presence in several provinces and that ISIL-K remained the most \
     serious threat in the region, able to plan operations beyond Afghanistan's borders. \
     Pakistan's ambassador to the UN, Munir Akram, told the council that the findings \
     confirmed Islamabad's concerns and asked for the TTP to be treated as a danger to regional \
     peace. Akram said engagement with Kabul should depend on commitments against terrorism. In \
     Kabul, a Taliban spokesman dismissed the report as drawn from unreliable sources and said \
     no foreign armed group operated from Afghan territory. Diplomats in Peshawar and Islamabad \
     expect the findings to shape the next review of the sanctions regime.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_split_into_documents() {
        let doc = |id: &str, text: &str| Document {
            id: id.to_string(),
            text: text.to_string(),
        };
        let cases: &[(&str, &str, Vec<Document>)] = &[
            (
                "paragraphs on blank and blank-looking lines, CRLF too",
                "TTP attacked.\r\nNear Torkham.\r\n\r\n   \n\nKabul was calm.\n",
                vec![
                    doc("paragraph-1", "TTP attacked.\nNear Torkham."),
                    doc("paragraph-2", "Kabul was calm."),
                ],
            ),
            (
                "a last paragraph without a newline",
                "\n\nOne.\n\nTwo",
                vec![doc("paragraph-1", "One."), doc("paragraph-2", "Two")],
            ),
            (
                "JSONL with string, numeric and missing ids; blank and empty texts skipped",
                "{\"id\": \"a\", \"text\": \"ISKP\"}\n\n{\"id\": 7, \"text\": \"ISI\"}\n{\"text\": \"\"}\n{\"text\": \"BLA\", \"extra\": 1}\n",
                vec![doc("a", "ISKP"), doc("7", "ISI"), doc("line-5", "BLA")],
            ),
        ];
        for (name, content, expected) in cases {
            let documents = split_payload(content, "payload.txt")
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(&documents, expected, "{name}");
        }
    }

    #[test]
    fn bad_payloads_are_refused_naming_the_flag_and_line() {
        let cases: &[(&str, &str, &str)] = &[
            ("nothing but blank lines", "\n  \n\n", "holds no text"),
            (
                "not JSON",
                "{\"text\": \"a\"}\n{oops\n",
                "payload.txt:2: not JSON",
            ),
            ("no text", "{\"id\": \"a\"}\n", "payload.txt:1: no \"text\""),
            (
                "an object as id",
                "{\"id\": {}, \"text\": \"a\"}\n",
                "\"id\" is neither",
            ),
        ];
        for (name, content, message) in cases {
            let error = split_payload(content, "payload.txt").expect_err(name);
            let text = error.to_string();
            assert!(
                matches!(error, Error::InvalidArgument { ref field, .. } if field == "--payload"),
                "{name}: {text}"
            );
            assert!(text.contains(message), "{name}: {text}");
        }
    }

    #[test]
    fn built_in_paragraphs_are_about_a_kilobyte() {
        for (index, paragraph) in BUILT_IN_PARAGRAPHS.iter().enumerate() {
            assert!(
                (800..=1300).contains(&paragraph.len()),
                "paragraph {index} is {} bytes",
                paragraph.len()
            );
        }
    }
}
