//! The list as the UN publishes it (`sc-sanctions.xsd`), read into plain
//! structs: only the fields the import uses.

use roxmltree::{Document, Node};

/// An individual or an entity of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Individual,
    Entity,
}

/// The list's own rating of an a.k.a.: individuals' are `Good` or `Low`;
/// entities' carry `a.k.a.`, `f.k.a.` or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    Good,
    Low,
    /// Entities' aliases, and the few individual aliases the list leaves
    /// unrated.
    Unrated,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub reference: String,
    pub list_type: String,
    pub kind: Kind,
    /// `FIRST_NAME` … `FOURTH_NAME`, non-empty ones in order.
    pub name_parts: Vec<String>,
    pub original_script: String,
    pub aliases: Vec<(Quality, String)>,
    pub nationalities: Vec<String>,
    /// Countries of the addresses and places of birth.
    pub countries: Vec<String>,
    /// `COMMENTS1` and `DESIGNATION`, read for selection only: the narrative
    /// is never written out.
    pub narrative: String,
}

pub struct List {
    /// `YYYY-MM-DD` of the list's `dateGenerated`.
    pub date: String,
    pub entries: Vec<Entry>,
}

pub fn parse(xml: &str) -> Result<List, String> {
    let document = Document::parse(xml).map_err(|error| format!("not XML: {error}"))?;
    let root = document.root_element();
    if root.tag_name().name() != "CONSOLIDATED_LIST" {
        return Err(format!(
            "root element is <{}>, not the UN's <CONSOLIDATED_LIST>",
            root.tag_name().name()
        ));
    }
    let date = root
        .attribute("dateGenerated")
        .and_then(|d| d.get(..10))
        .ok_or("<CONSOLIDATED_LIST> has no dateGenerated")?
        .to_string();
    let mut entries = Vec::new();
    for (group, kind) in [
        ("INDIVIDUALS", Kind::Individual),
        ("ENTITIES", Kind::Entity),
    ] {
        for group in children(root, group) {
            for node in group.children().filter(Node::is_element) {
                entries.push(entry(node, kind));
            }
        }
    }
    Ok(List { date, entries })
}

fn children<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children()
        .filter(move |child| child.has_tag_name(name))
}

/// The text of a child element, whitespace collapsed ("" when absent).
fn text_of(node: Node, name: &'static str) -> String {
    children(node, name)
        .next()
        .and_then(|child| child.text())
        .map(collapse)
        .unwrap_or_default()
}

/// The list wraps long values over several indented lines.
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn values(node: Node, name: &'static str) -> Vec<String> {
    children(node, name)
        .flat_map(|list| children(list, "VALUE"))
        .filter_map(|value| value.text().map(collapse))
        .filter(|value| !value.is_empty())
        .collect()
}

fn entry(node: Node, kind: Kind) -> Entry {
    let name_parts = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
        .into_iter()
        .map(|part| text_of(node, part))
        .filter(|part| !part.is_empty())
        .collect();
    let alias_tag = match kind {
        Kind::Individual => "INDIVIDUAL_ALIAS",
        Kind::Entity => "ENTITY_ALIAS",
    };
    let aliases = children(node, alias_tag)
        .filter_map(|alias| {
            let name = text_of(alias, "ALIAS_NAME");
            let quality = match text_of(alias, "QUALITY").as_str() {
                "Good" => Quality::Good,
                "Low" => Quality::Low,
                _ => Quality::Unrated,
            };
            (!name.is_empty()).then_some((quality, name))
        })
        .collect();
    let mut countries = Vec::new();
    for tag in [
        "INDIVIDUAL_ADDRESS",
        "ENTITY_ADDRESS",
        "INDIVIDUAL_PLACE_OF_BIRTH",
    ] {
        for place in children(node, tag) {
            let country = text_of(place, "COUNTRY");
            if !country.is_empty() {
                countries.push(country);
            }
        }
    }
    let mut narrative = text_of(node, "COMMENTS1");
    for designation in values(node, "DESIGNATION") {
        narrative.push_str(". ");
        narrative.push_str(&designation);
    }
    Entry {
        reference: text_of(node, "REFERENCE_NUMBER"),
        list_type: text_of(node, "UN_LIST_TYPE"),
        kind,
        name_parts,
        original_script: text_of(node, "NAME_ORIGINAL_SCRIPT"),
        aliases,
        nationalities: values(node, "NATIONALITY"),
        countries,
        narrative,
    }
}
