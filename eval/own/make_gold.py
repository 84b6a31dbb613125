#!/usr/bin/env python3
"""Build eval/own/gold.jsonl from hand-written annotations.

Every annotation is (doc, exact mention text, occurrence number, entity id, also).
The script finds the n-th occurrence of the text in eval/own/corpus/<doc>.txt, converts
it to UTF-8 byte offsets (end exclusive), checks that the bytes at those offsets decode
back to the mention text, checks every entity id against aliases/*.toml (parsed with
tomllib), and writes gold.jsonl in the format of ../shared/eval/gold.jsonl:

    {"doc", "mentions": [{"start", "end", "text", "entity", "also"?}], "ignore": [{"start", "end", "text"}]}

Occurrence numbers count case-sensitive matches of the exact text that are not glued to
a letter or digit on either side ("Iran" is not counted inside "Iranian", "ISI" not
inside "ISIS"), including matches nested inside longer names ("Pakistan" inside
"Tehrik-i-Taliban Pakistan" counts). Any mismatch, unknown id, overlap between two
mentions or between a mention and an ignore span, or an annotation that cannot be
found stops the script with a non-zero exit code.

Usage (from anywhere):
    python3 eval/own/make_gold.py            # write gold.jsonl
    python3 eval/own/make_gold.py --show     # also print every span in context
    python3 eval/own/make_gold.py --audit    # list table names found in the text but not
                                             # covered by a mention/ignore span (a plain
                                             # string scan of the alias table, to catch
                                             # annotator omissions; it is not the resolver)

The annotations were written by hand, reading the texts; nothing here comes from the
entity-resolver's output.
"""

import glob
import json
import os
import sys
import tomllib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gold_spans import GoldError, byte_span, find_occurrence, glued  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
ALIASES = os.path.normpath(os.path.join(HERE, "..", "..", "aliases"))
OUT = os.path.join(HERE, "gold.jsonl")

# Conventions shared with the reference gold (../shared/eval):
TAL = ["islamic-emirate-of-afghanistan"]  # "Taliban" may also be read as their government
IEA = ["taliban"]                         # "Islamic Emirate" may also be read as the movement
ISK = ["isis-k"]                          # unqualified ISIS / Islamic State in an Af-Pak story

# (doc, mention text, occurrence, entity id, also)
M = []
# (doc, text, occurrence): spans that are not scored
IGN = []


def doc(name, mentions, ignore=()):
    for t in mentions:
        text, occ, ent = t[0], t[1], t[2]
        also = t[3] if len(t) > 3 else []
        M.append((name, text, occ, ent, also))
    for t in ignore:
        IGN.append((name, t[0], t[1]))


# ---------------------------------------------------------------------------------------------
doc("000_ttp_bannu_raid", [
    ("Bannu", 1, "bannu"),
    ("TTP", 1, "ttp"),
    ("PESHAWAR", 1, "peshawar"),
    ("Bannu", 2, "bannu"),
    ("Khyber Pakhtunkhwa", 1, "khyber-pakhtunkhwa"),
    ("Tehreek-e-Taliban Pakistan", 1, "ttp"),
    ("TTP", 2, "ttp"),
    ("Inter-Services Public Relations", 1, "ispr"),
    ("ISPR", 1, "ispr"),
    ("North Waziristan", 1, "north-waziristan"),
    ("ISPR", 2, "ispr"),
    ("Ahmed Sharif Chaudhry", 1, "ahmed-sharif-chaudhry"),
    ("Rawalpindi", 1, "rawalpindi"),
    ("Afghanistan", 1, "afghanistan"),
    ("Fitna al-Khawarij", 1, "ttp"),
    ("Chaudhry", 2, "ahmed-sharif-chaudhry"),
    ("Counter Terrorism Department", 1, "counter-terrorism-department"),
    ("CTD", 1, "counter-terrorism-department"),
    ("Tehrik-i-Taliban", 1, "ttp"),
    ("Noor Wali Mehsud", 1, "noor-wali-mehsud"),
    ("Mehsud", 2, "noor-wali-mehsud"),
    ("Tank district", 1, "tank-district"),
    ("Lakki Marwat", 1, "lakki-marwat"),
    ("KP", 1, "khyber-pakhtunkhwa"),
    ("Islamabad", 1, "islamabad"),
    ("Ttp", 1, "ttp"),
    ("Taliban", 3, "taliban", TAL),
    ("Kabul", 1, "kabul"),
    ("CTD", 2, "counter-terrorism-department"),
], ignore=[
    ("Mehsud", 3),  # "the Mehsud tribe": a tribe, not the person
])

doc("001_iskp_jalalabad", [
    ("Islamic State", 1, "islamic-state", ISK),
    ("Jalalabad", 1, "jalalabad"),
    ("JALALABAD", 1, "jalalabad"),
    ("Afghanistan", 1, "afghanistan"),
    ("Islamic State Khorasan Province", 1, "isis-k"),
    ("ISKP", 1, "isis-k"),
    ("Jalalabad", 2, "jalalabad"),
    ("Nangarhar", 1, "nangarhar"),
    ("Amaq News Agency", 1, "amaq-news-agency"),
    ("Taliban", 1, "taliban", TAL),
    ("Daesh", 1, "isis-k"),
    ("Nangahar", 1, "nangarhar"),
    ("Achin", 1, "achin"),
    ("ISIS-K", 1, "isis-k"),
    ("ISIL-K", 1, "isis-k"),
    ("IS-K", 1, "isis-k"),
    ("Sanaullah Ghafari", 1, "shahab-al-muhajir"),
    ("Shahab al-Muhajir", 1, "shahab-al-muhajir"),
    ("Ghafari", 2, "shahab-al-muhajir"),
    ("Aslam Farooqi", 1, "aslam-farooqi"),
    ("Abdullah Orakzai", 1, "aslam-farooqi"),
    ("Orakzai", 2, "orakzai"),
    ("Khorasan Group", 1, "khorasan-group"),
    ("al-Qaeda", 1, "al-qaeda"),
    ("US", 1, "united-states"),
    ("Syria", 1, "syria"),
    ("Islamic State in Iraq and Syria", 1, "islamic-state"),
    ("Da’esh", 1, "isis-k"),
    ("Taliban", 2, "taliban", TAL),
    ("Kabul", 1, "kabul"),
    ("Isis-K", 1, "isis-k"),
    ("Kunar", 1, "kunar"),
    ("Peshawar", 1, "peshawar"),
], ignore=[
    ("Afghan", 1), ("Afghan", 2),
])

doc("002_caps_headline", [
    ("PAKISTAN", 1, "pakistan"),
    ("KABUL", 1, "kabul"),
    ("TTP", 1, "ttp"),
    ("DOHA", 1, "doha"),
    ("ISLAMABAD", 1, "islamabad"),
    ("Pakistan", 1, "pakistan"),
    ("Foreign Office", 1, "pakistan-ministry-of-foreign-affairs"),
    ("Afghanistan", 1, "afghanistan"),
    ("Tehrik-e-Taliban Pakistan", 1, "ttp"),
    ("Mumtaz Zahra Baloch", 1, "mumtaz-zahra-baloch"),
    ("Islamabad", 1, "islamabad"),
    ("TTP", 2, "ttp"),
    ("Kunar", 1, "kunar"),
    ("Paktika", 1, "paktika"),
    ("Khost", 1, "khost"),
    ("Kabul", 1, "kabul"),
    ("Baloch", 2, "mumtaz-zahra-baloch"),
    ("Baloch", 3, "mumtaz-zahra-baloch"),
    ("Zabihullah Mujahid", 1, "zabihullah-mujahid"),
    ("Taliban", 2, "taliban", TAL),
    ("Pakistan", 3, "pakistan"),
    ("Islamic State", 1, "islamic-state", ISK),
    ("TTP", 3, "ttp"),
    ("Mujahid", 2, "zabihullah-mujahid"),
    ("Islamic Emirate", 1, "islamic-emirate-of-afghanistan", IEA),
    ("Islamabad", 2, "islamabad"),
    ("Doha", 1, "doha"),
    ("United States", 1, "united-states"),
    ("Taliban", 3, "taliban", TAL),
], ignore=[
    ("Afghan", 1), ("Afghan", 2), ("Afghan", 3), ("Afghan", 4),
    ("Pakistani", 1),
    ("X", 1),  # the social network, not in the table
])

doc("003_social_media", [
    ("Peshawar", 1, "peshawar"),
    ("Pakistan", 1, "pakistan"),
    ("Peshawar", 2, "peshawar"),
    ("Tehreek-e-Taliban Pakistan", 1, "ttp"),
    ("tehreek e taliban pakistan", 1, "ttp"),
    ("khyber pakhtunkhwa", 1, "khyber-pakhtunkhwa"),
    ("Peshawar", 3, "peshawar"),
    ("TTP", 1, "ttp"),
    ("imran khan", 1, "imran-khan"),
    ("pti", 1, "pti"),
    ("Pakistan Tehreek-e-Insaf", 1, "pti"),
    ("PTI", 1, "pti"),
    ("Khan", 1, "imran-khan"),
    ("Inter-Services Intelligence", 1, "isi"),
    ("isi", 1, "isi"),
    ("پاکستان", 1, "pakistan"),
    ("Pakistan", 4, "pakistan"),
    ("Islamic State group", 1, "islamic-state", ISK),
    ("ISIS-K", 1, "isis-k"),
], ignore=[
    ("Qissa Khwani", 1),
    ("afghans", 1),
    ("Karachi-based", 1),
    ("TikTok", 1),
    ("Khorasan", 1),  # "Khorasan branch": descriptive region word, not a table name
])

doc("004_dari_statement", [
    ("Taliban", 1, "taliban", TAL),
    ("KABUL", 1, "kabul"),
    ("Taliban", 2, "taliban", TAL),
    ("Zabiullah Mujahid", 1, "zabihullah-mujahid"),
    ("Islamabad", 1, "islamabad"),
    ("Tehrik-i-Taliban Pakistan", 1, "ttp"),
    ("امارت اسلامی افغانستان", 1, "islamic-emirate-of-afghanistan", IEA),
    ("افغانستان", 2, "afghanistan"),
    ("Islamic Emirate of Afghanistan", 1, "islamic-emirate-of-afghanistan", IEA),
    ("Afghanistan", 2, "afghanistan"),
    ("تحریک طالبان پاکستان", 1, "ttp"),
    ("پاکستان", 2, "pakistan"),
    ("Tehreek-e-Taliban Pakistan", 1, "ttp"),
    ("Pakistan", 3, "pakistan"),
    ("ذبیح\u200cالله مجاهد", 1, "zabihullah-mujahid"),
    ("امارت اسلامی", 2, "islamic-emirate-of-afghanistan", IEA),
    ("Mujahid", 2, "zabihullah-mujahid"),
    ("Khost", 1, "khost"),
    ("Paktika", 1, "paktika"),
    ("کابل", 1, "kabul"),
    ("طالبان", 2, "taliban", TAL),
    ("Kabul", 1, "kabul"),
    ("Taliban", 5, "taliban", TAL),
    ("Pakistan", 4, "pakistan"),
    ("Khawaja Asif", 1, "khawaja-asif"),
    ("Islamabad", 2, "islamabad"),
    ("Asif", 2, "khawaja-asif"),
    ("Geo News", 1, "geo-news"),
    ("Qatar", 1, "qatar"),
    ("Türkiye", 1, "turkey"),
], ignore=[
    ("Pakistani", 1), ("Pakistani", 2), ("Pakistani", 3),
    ("Afghan", 1),
])

doc("005_three_tehreeks", [
    ("LAHORE", 1, "lahore"),
    ("Punjab", 1, "punjab"),
    ("Tehreek-e-Labbaik Pakistan", 1, "tehreek-e-labbaik-pakistan"),
    ("TLP", 1, "tehreek-e-labbaik-pakistan"),
    ("Islamabad", 1, "islamabad"),
    ("Pakistan Tehreek-e-Insaf", 1, "pti"),
    ("Tehreek-e-Taliban Pakistan", 1, "ttp"),
    ("Khyber Pakhtunkhwa", 1, "khyber-pakhtunkhwa"),
    ("TLP", 2, "tehreek-e-labbaik-pakistan"),
    ("تحریک لبیک پاکستان", 1, "tehreek-e-labbaik-pakistan"),
    ("PTI", 1, "pti"),
    ("پاکستان تحریک انصاف", 1, "pti"),
    ("TTP", 1, "ttp"),
    ("تحریک طالبان پاکستان", 1, "ttp"),
    ("Tehreek-e-Labbaik", 2, "tehreek-e-labbaik-pakistan"),
    ("TLP", 3, "tehreek-e-labbaik-pakistan"),
    ("Tehreek-e-Insaf", 2, "pti"),
    ("Imran Khan", 1, "imran-khan"),
    ("TTP", 2, "ttp"),
    ("Khan", 2, "imran-khan"),
    ("Rawalpindi", 1, "rawalpindi"),
    ("Election Commission of Pakistan", 1, "election-commission-of-pakistan"),
    ("ECP", 1, "election-commission-of-pakistan"),
    ("PTI", 2, "pti"),
    ("Pakistan Muslim League-Nawaz", 1, "pml-n"),
    ("PML-N", 1, "pml-n"),
    ("TLP", 4, "tehreek-e-labbaik-pakistan"),
    ("Tehreek-e-Taliban", 2, "ttp"),
], ignore=[
    ("Saad Rizvi", 1),
    ("Adiala jail", 1),
])

doc("006_sharif_family", [
    ("ISLAMABAD", 1, "islamabad"),
    ("Nawaz Sharif", 1, "nawaz-sharif"),
    ("Pakistan Muslim League-Nawaz", 1, "pml-n"),
    ("PML-N", 1, "pml-n"),
    ("Lahore", 1, "lahore"),
    ("Shehbaz Sharif", 1, "shehbaz-sharif"),
    ("Washington", 1, "washington-dc"),
    ("Nawaz", 4, "nawaz-sharif"),
    ("International Monetary Fund", 1, "imf"),
    ("Shehbaz", 3, "shehbaz-sharif"),
    ("Islamabad", 1, "islamabad"),
    ("IMF", 1, "imf"),
    ("Pakistan", 2, "pakistan"),
    ("Nawaz", 5, "nawaz-sharif"),
    ("Punjab", 1, "punjab"),
    ("Maryam Nawaz", 1, "maryam-nawaz"),
    ("Maryam", 2, "maryam-nawaz"),
    ("Asim Munir", 1, "asim-munir"),
    ("Raheel Sharif", 1, "raheel-sharif"),
    ("Nawaz", 7, "nawaz-sharif"),
    ("Munir", 2, "asim-munir"),
    ("Saudi Arabia", 1, "saudi-arabia"),
    ("UAE", 1, "uae"),
], ignore=[
    ("Nawaz", 1), ("Shehbaz", 1),  # headline, before the full names
    ("Sharif", 3),                 # "a Sharif family business": the family
    ("Muhammad Aurangzeb", 1),
])

doc("007_bhutto_zardari", [
    ("PPP", 1, "ppp"),
    ("Sindh", 1, "sindh"),
    ("Pakistan People’s Party", 1, "ppp"),
    ("Bilawal Bhutto Zardari", 1, "bilawal-bhutto-zardari"),
    ("Islamabad", 1, "islamabad"),
    ("PPP", 2, "ppp"),
    ("Benazir Bhutto", 1, "benazir-bhutto"),
    ("Asif Ali Zardari", 1, "asif-ali-zardari"),
    ("Bilawal", 3, "bilawal-bhutto-zardari"),
    ("Zardari", 3, "asif-ali-zardari"),
    ("Bilawal", 4, "bilawal-bhutto-zardari"),
    ("Zulfikar Ali Bhutto", 1, "zulfikar-ali-bhutto"),
    ("Zia-ul-Haq", 1, "zia-ul-haq"),
    ("Benazir", 3, "benazir-bhutto"),
    ("Rawalpindi", 1, "rawalpindi"),
    ("UN", 1, "united-nations"),
    ("Baitullah Mehsud", 1, "baitullah-mehsud"),
    ("Tehrik-i-Taliban Pakistan", 1, "ttp"),
    ("PPP", 3, "ppp"),
    ("Sindh", 2, "sindh"),
    ("Karachi", 1, "karachi"),
], ignore=[
    ("Bilawal", 1), ("Benazir", 1),  # headline, before the full names
    ("GARHI KHUDA BAKHSH", 1),
    ("Bhutto", 4),                   # "Every Bhutto": the family
    ("Larkana", 1),
])

doc("008_haqqani_family", [
    ("KABUL", 1, "kabul"),
    ("Sirajuddin Haqqani", 1, "sirajuddin-haqqani"),
    ("Taliban", 1, "taliban", TAL),
    ("FBI", 1, "fbi"),
    ("Khost", 1, "khost"),
    ("Jalaluddin Haqqani", 1, "jalaluddin-haqqani"),
    ("Haqqani Network", 1, "haqqani-network"),
    ("Haqqani", 5, "jalaluddin-haqqani"),   # "The elder Haqqani"
    ("Darul Uloom Haqqania", 1, "darul-uloom-haqqania"),
    ("Pakistan", 1, "pakistan"),
    ("Serajuddin Haqqani", 1, "sirajuddin-haqqani"),
    ("US State Department", 1, "us-state-department"),
    ("Islamic Emirate", 1, "islamic-emirate-of-afghanistan", IEA),
    ("Anas Haqqani", 1, "anas-haqqani"),
    ("Khalil Haqqani", 1, "khalil-haqqani"),
    ("Kabul", 1, "kabul"),
    ("Haqqani", 9, "sirajuddin-haqqani"),   # "Haqqani’s remarks": the speaker
    ("Haqqanis", 1, "haqqani-network"),
    ("Paktia", 1, "paktia"),
    ("Paktika", 1, "paktika"),
    ("Afghan Interior Ministry", 1, "afghan-ministry-of-interior"),
    ("Anas", 2, "anas-haqqani"),
], ignore=[
    ("Haqqani", 1),  # headline "Haqqani brothers": the family
    ("Soviets", 1), ("American", 1), ("Pakistani", 1),
    ("Akora Khattak", 1),
    ("Kandahar-based", 1),
    ("Gulf", 1),
])

doc("009_kashmir_groups", [
    ("India", 1, "india"),
    ("Islamabad", 1, "islamabad"),
    ("NEW DELHI", 1, "new-delhi"),
    ("India", 2, "india"),
    ("The Resistance Front", 1, "the-resistance-front"),
    ("TRF", 1, "the-resistance-front"),
    ("Lashkar-e-Tayyiba", 1, "lashkar-e-taiba"),
    ("Indian-administered Kashmir", 1, "jammu-and-kashmir"),
    ("Pakistan", 2, "pakistan"),
    ("Lashkar\u2011e\u2011Taiba", 1, "lashkar-e-taiba"),
    ("Hafiz Muhammad Saeed", 1, "hafiz-saeed"),
    ("Lahore", 1, "lahore"),
    ("Saeed", 2, "hafiz-saeed"),
    ("Jamaat-ud-Dawa", 1, "jamaat-ud-dawa"),
    ("JuD", 1, "jamaat-ud-dawa"),
    ("Financial Action Task Force", 1, "fatf"),
    ("JuD", 2, "jamaat-ud-dawa"),
    ("Jamaat-e-Islami", 1, "jamaat-e-islami"),
    ("Pakistan", 3, "pakistan"),
    ("Jaish-e-Muhammad", 1, "jaish-e-mohammed"),
    ("Masood Azhar", 1, "masood-azhar"),
    ("Bahawalpur", 1, "bahawalpur"),
    ("Azhar", 2, "masood-azhar"),
    ("Pulwama", 1, "pulwama"),
    ("LeT", 1, "lashkar-e-taiba"),
    ("JeM", 1, "jaish-e-mohammed"),
    ("Lashkar-e-Jhangvi", 1, "lashkar-e-jhangvi"),
    ("Kashmir", 2, "kashmir"),
    ("Pakistan", 4, "pakistan"),
    ("Foreign Office", 1, "pakistan-ministry-of-foreign-affairs"),
    ("Muzaffarabad", 1, "muzaffarabad"),
    ("Pakistan-administered Kashmir", 1, "azad-kashmir"),
    ("United Jihad Council", 1, "united-jihad-council"),
    ("Hizbul Mujahideen", 1, "hizbul-mujahideen"),
], ignore=[
    ("Pakistan-based", 1),
    ("Pahalgam", 1), ("Pahalgam", 2),
    ("Indian", 2),
    ("Syed Salahuddin", 1),
])

doc("010_kurram_sectarian", [
    ("Kurram", 1, "kurram"),
    ("PARACHINAR", 1, "parachinar"),
    ("Kurram", 2, "kurram"),
    ("Khyber Pakhtunkhwa", 1, "khyber-pakhtunkhwa"),
    ("Lashkar-e-Jhangvi", 1, "lashkar-e-jhangvi"),
    ("Lashkar-e-Jhangvi al-Alami", 1, "lashkar-e-jhangvi-al-alami"),
    ("Parachinar", 1, "parachinar"),
    ("Ahle Sunnat Wal Jamaat", 1, "sipah-e-sahaba-pakistan"),
    ("ASWJ", 1, "sipah-e-sahaba-pakistan"),
    ("Sipah-e-Sahaba Pakistan", 1, "sipah-e-sahaba-pakistan"),
    ("ASWJ", 2, "sipah-e-sahaba-pakistan"),
    ("Zainabiyoun Brigade", 1, "zainabiyoun-brigade"),
    ("Syria", 1, "syria"),
    ("Kurram", 3, "kurram"),
    ("Pakistan", 2, "pakistan"),
    ("Zainabiyoun", 2, "zainabiyoun-brigade"),
    ("Fatemiyoun Division", 1, "fatemiyoun-division"),
    ("Afghanistan", 1, "afghanistan"),
    ("Iran", 2, "iran"),
    ("Sipah-e-Muhammad Pakistan", 1, "sipah-e-muhammad-pakistan"),
    ("Jaish-e-Mohammed", 1, "jaish-e-mohammed"),
    ("Masood Azhar", 1, "masood-azhar"),
    ("Ali Amin Gandapur", 1, "ali-amin-gandapur"),
    ("Kohat", 1, "kohat"),
    ("Gandapur", 2, "ali-amin-gandapur"),
    ("Parachinar", 2, "parachinar"),
    ("Frontier Corps", 1, "frontier-corps"),
    ("Mohsin Naqvi", 1, "mohsin-naqvi"),
    ("Counter Terrorism Department", 1, "counter-terrorism-department"),
    ("Hangu", 1, "hangu"),
], ignore=[
    ("Bagan", 1),
    ("Iran-backed", 1),
    ("Afghan", 1),
    ("Hazaras", 1),
    ("Thall", 1),
])

doc("011_iran_baloch", [
    ("Jaish al-Adl", 1, "jaish-al-adl"),
    ("Tehran", 1, "tehran"),
    ("Islamabad", 1, "islamabad"),
    ("ZAHEDAN", 1, "zahedan"),
    ("Iran", 1, "iran"),
    ("Jaish al-Adl", 2, "jaish-al-adl"),
    ("JAA", 1, "jaish-al-adl"),
    ("Sistan-Baluchestan", 1, "sistan-and-baluchestan"),
    ("IRNA", 1, "irna"),
    ("Jundallah", 1, "jundallah"),
    ("Abdolmalek Rigi", 1, "abdolmalek-rigi"),
    ("Pakistan", 1, "pakistan"),
    ("Iran", 2, "iran"),
    ("Abbas Araghchi", 1, "abbas-araghchi"),
    ("Ishaq Dar", 1, "ishaq-dar"),
    ("JAA", 2, "jaish-al-adl"),
    ("Baluchistan", 1, "balochistan"),
    ("Dar", 2, "ishaq-dar"),
    ("Pakistan", 2, "pakistan"),
    ("Balochistan Liberation Army", 1, "bla"),
    ("BLA", 1, "bla"),
    ("Balochistan Liberation Front", 1, "balochistan-liberation-front"),
    ("BLF", 1, "balochistan-liberation-front"),
    ("Islamabad", 2, "islamabad"),
    ("Iran", 3, "iran"),
    ("BLF", 2, "balochistan-liberation-front"),
    ("Allah Nazar Baloch", 1, "allah-nazar-baloch"),
    ("Panjgur", 1, "panjgur"),
    ("BLA", 2, "bla"),
    ("Majeed Brigade", 1, "majeed-brigade"),
    ("Gwadar", 1, "gwadar"),
    ("Karachi", 1, "karachi"),
    ("Foreign Office", 1, "pakistan-ministry-of-foreign-affairs"),
    ("Mumtaz Zahra Baloch", 1, "mumtaz-zahra-baloch"),
    ("Jaish al-Adl", 3, "jaish-al-adl"),
    ("Jaish ul-Adl", 1, "jaish-al-adl"),
    ("Jaish-e-Mohammed", 1, "jaish-e-mohammed"),
    ("Islamic Revolutionary Guard Corps", 1, "irgc"),
    ("IRGC", 1, "irgc"),
    ("JAA", 3, "jaish-al-adl"),
    ("Panjgur", 2, "panjgur"),
    ("Pakistan", 3, "pakistan"),
    ("Iran", 4, "iran"),
    ("Araghchi", 2, "abbas-araghchi"),
    ("Dar", 3, "ishaq-dar"),
    ("Taftan", 1, "taftan"),
], ignore=[
    ("Iranian", 1), ("Iranian", 2), ("Iranian", 3),
    ("Baloch", 1), ("Baloch", 4),  # demonym: "Baloch militants", "Baloch terrorists"
    ("Saravan", 1),
    ("Pakistani", 1),
    ("Chinese", 1),
])

doc("012_hizb_jamiat", [
    ("Hizb ut-Tahrir", 1, "hizb-ut-tahrir"),
    ("KABUL", 1, "kabul"),
    ("Gulbuddin Hekmatyar", 1, "gulbuddin-hekmatyar"),
    ("Hizb-e-Islami", 1, "hizb-e-islami-gulbuddin"),
    ("Taliban", 1, "taliban", TAL),
    ("Hikmatyar", 1, "gulbuddin-hekmatyar"),
    ("Kabul", 1, "kabul"),
    ("Ashraf Ghani", 1, "ashraf-ghani"),
    ("Hizb-e-Islami Gulbuddin", 1, "hizb-e-islami-gulbuddin"),
    ("HIG", 1, "hizb-e-islami-gulbuddin"),
    ("Hizb ut-Tahrir", 2, "hizb-ut-tahrir"),
    ("Pakistan", 1, "pakistan"),
    ("Uzbekistan", 1, "uzbekistan"),
    ("Tajikistan", 1, "tajikistan"),
    ("Afghanistan", 1, "afghanistan"),
    ("Hekmatyar", 3, "gulbuddin-hekmatyar"),
    ("Jamiat-e-Islami", 1, "jamiat-e-islami-afghanistan"),
    ("Burhanuddin Rabbani", 1, "burhanuddin-rabbani"),
    ("Rabbani", 2, "burhanuddin-rabbani"),   # "Rabbani’s son"
    ("Salahuddin Rabbani", 1, "salahuddin-rabbani"),
    ("Jamaat-e-Islami", 1, "jamaat-e-islami"),
    ("Pakistan", 2, "pakistan"),
    ("Jamiat Ulema-e-Islam", 1, "jui-f"),
    ("Jamiat", 3, "jamiat-e-islami-afghanistan"),  # "The Jamiat’s most famous commander"
    ("Ahmad Shah Massoud", 1, "ahmad-shah-massoud"),
    ("al-Qaeda", 1, "al-qaeda"),
    ("Ahmad Massoud", 1, "ahmad-massoud"),
    ("National Resistance Front", 1, "national-resistance-front"),
    ("NRF", 1, "national-resistance-front"),
    ("Tajikistan", 2, "tajikistan"),
    ("Massoud", 3, "ahmad-massoud"),
    ("Dushanbe", 1, "dushanbe"),
    ("NRF", 2, "national-resistance-front"),
    ("Taliban", 2, "taliban", TAL),
    ("Massoud", 4, "ahmad-shah-massoud"),   # "The elder Massoud"
    ("Panjshir valley", 1, "panjshir"),
], ignore=[
    ("Hekmatyar", 1),  # headline, before the full name
    ("Pakistani", 1),
    ("Afghan", 1),
])

doc("013_border_crossings", [
    ("Torkham", 1, "torkham"),
    ("Chaman", 1, "chaman"),
    ("LANDI KOTAL", 1, "landi-kotal"),
    ("Torkham", 2, "torkham"),
    ("Pakistan", 1, "pakistan"),
    ("Afghanistan", 1, "afghanistan"),
    ("Khyber district", 1, "khyber-district"),
    ("Khyber Pass", 1, "khyber-pass"),
    ("Chaman", 2, "chaman"),
    ("Balochistan", 1, "balochistan"),
    ("Bab-e-Dosti", 1, "chaman"),
    ("Friendship Gate", 1, "chaman"),
    ("Pakistan", 2, "pakistan"),
    ("Spin Boldak", 1, "spin-boldak"),
    ("Kandahar", 1, "kandahar"),
    ("Ghulam Khan", 1, "ghulam-khan"),
    ("North Waziristan", 1, "north-waziristan"),
    ("Angoor Adda", 1, "angoor-adda"),
    ("South Waziristan", 1, "south-waziristan"),
    ("Kharlachi", 1, "kharlachi"),
    ("Kurram", 1, "kurram"),
    ("Frontier Corps", 1, "frontier-corps"),
    ("FC", 1, "frontier-corps"),
    ("Angur Adda", 1, "angoor-adda"),
    ("Afghanistan", 2, "afghanistan"),
    ("Paktika", 1, "paktika"),
    ("Khost", 1, "khost"),
    ("Jamrud", 1, "jamrud"),
    ("Durand Line", 1, "durand-line"),
    ("Kabul", 1, "kabul"),
], ignore=[
    ("Afghan", 1),
])

doc("014_central_asia", [
    ("Tajikistan", 1, "tajikistan"),
    ("Uzbekistan", 1, "uzbekistan"),
    ("DUSHANBE", 1, "dushanbe"),
    ("Tajikistan", 2, "tajikistan"),
    ("Gorno-Badakhshan Autonomous Region", 1, "gorno-badakhshan"),
    ("GBAO", 1, "gorno-badakhshan"),
    ("Afghanistan", 1, "afghanistan"),
    ("Badakhshan", 2, "badakhshan"),
    ("UN Monitoring Team", 1, "un-monitoring-team"),
    ("Jamaat Ansarullah", 1, "jamaat-ansarullah"),
    ("Tajik Taliban", 1, "jamaat-ansarullah"),
    ("Badakhshan", 3, "badakhshan"),
    ("Takhar", 1, "takhar"),
    ("Ansarullah", 2, "jamaat-ansarullah"),
    ("Houthis", 1, "houthis"),
    ("Yemen", 1, "yemen"),
    ("Islamic Movement of Uzbekistan", 1, "imu"),
    ("IMU", 1, "imu"),
    ("ISIS-K", 1, "isis-k"),
    ("Islamic Jihad Union", 1, "islamic-jihad-union"),
    ("IJU", 1, "islamic-jihad-union"),
    ("Taliban", 2, "taliban", TAL),
    ("Katibat Imam al-Bukhari", 1, "katibat-imam-al-bukhari"),
    ("Katibat al-Tawhid wal-Jihad", 1, "katibat-al-tawhid-wal-jihad"),
    ("KTJ", 1, "katibat-al-tawhid-wal-jihad"),
    ("Turkistan Islamic Party", 1, "etim"),
    ("Beijing", 1, "beijing"),
    ("East Turkestan Islamic Movement", 1, "etim"),
    ("ETIM", 1, "etim"),
    ("Emomali Rahmon", 1, "emomali-rahmon"),
    ("Taliban", 3, "taliban", TAL),
    ("Shavkat Mirziyoev", 1, "shavkat-mirziyoyev"),
    ("Uzbekistan", 3, "uzbekistan"),
    ("Termiz", 1, "termez"),
    ("Mirziyoyev", 1, "shavkat-mirziyoyev"),
    ("Kabul", 1, "kabul"),
    ("Hairatan", 1, "hairatan"),
    ("Amu Darya", 1, "amu-darya"),
    ("Rahmon", 2, "emomali-rahmon"),
    ("Collective Security Treaty Organization", 1, "csto"),
    ("CSTO", 1, "csto"),
    ("Wakhan Corridor", 1, "wakhan-corridor"),
    ("Central Asia", 1, "central-asia"),
], ignore=[
    ("Afghan", 1),
    ("Central Asian", 1),
    ("Chinese", 1),
    ("Uzbek", 1),
    ("Uyghur", 1),
])

doc("015_us_diplomacy", [
    ("US", 1, "united-states"),
    ("Taliban", 1, "taliban", TAL),
    ("Doha", 1, "doha"),
    ("State Department", 1, "us-state-department"),
    ("WASHINGTON", 1, "washington-dc"),
    ("U.S.", 1, "united-states"),
    ("Afghanistan", 1, "afghanistan"),
    ("Thomas West", 1, "thomas-west"),
    ("Taliban", 2, "taliban", TAL),
    ("Doha", 2, "doha"),
    ("State Department", 2, "us-state-department"),
    ("Ned Price", 1, "ned-price"),
    ("Washington", 1, "washington-dc"),
    ("Islamic Emirate", 1, "islamic-emirate-of-afghanistan", IEA),
    ("Price", 2, "ned-price"),
    ("Price", 3, "ned-price"),
    ("Turkey", 1, "turkey"),
    ("Istanbul", 1, "istanbul"),
    ("Türkiye", 1, "turkey"),
    ("Recep Tayyip Erdoğan", 1, "recep-tayyip-erdogan"),
    ("Qatar", 1, "qatar"),
    ("Pentagon", 1, "us-department-of-defense"),
    ("US Central Command", 1, "centcom"),
    ("Michael Kurilla", 1, "michael-kurilla"),
    ("Congress", 1, "us-congress"),
    ("ISIS-K", 1, "isis-k"),
    ("Congress", 2, "us-congress"),
    ("Joe Biden", 1, "joe-biden"),
    ("Bagram", 1, "bagram"),
    ("Zalmay Khalilzad", 1, "zalmay-khalilzad"),
    ("America", 1, "united-states"),
    ("Nato", 1, "nato"),
    ("NATO", 1, "nato"),
    ("Brussels", 1, "brussels"),
    ("Washington", 2, "washington-dc"),
], ignore=[
    ("American", 1),
    ("Biden", 1),  # "the Biden administration", before the full name
    ("X", 1),
])

doc("016_unama_rights", [
    ("UN", 1, "united-nations"),
    ("Taliban", 1, "taliban", TAL),
    ("GENEVA", 1, "geneva"),
    ("United Nations Assistance Mission in Afghanistan", 1, "unama"),
    ("UNAMA", 1, "unama"),
    ("Roza Otunbayeva", 1, "roza-otunbayeva"),
    ("Human Rights Council", 1, "unhrc"),
    ("Taliban", 2, "taliban", TAL),
    ("Otunbayeva", 2, "roza-otunbayeva"),
    ("Ministry for the Propagation of Virtue and the Prevention of Vice", 1, "ministry-of-vice-and-virtue"),
    ("Haibatullah Akhundzada", 1, "hibatullah-akhundzada"),
    ("Kandahar", 1, "kandahar"),
    ("Akhundzada", 2, "hibatullah-akhundzada"),
    ("UN", 2, "united-nations"),
    ("Richard Bennett", 1, "richard-bennett"),
    ("Afghanistan", 2, "afghanistan"),
    ("Vice and Virtue Ministry", 1, "ministry-of-vice-and-virtue"),
    ("Herat", 1, "herat"),
    ("Mazar-i-Sharif", 1, "mazar-i-sharif"),
    ("Volker Türk", 1, "volker-turk"),
    ("Türk", 2, "volker-turk"),
    ("Security Council", 1, "un-security-council"),
    ("UN", 4, "united-nations"),
    ("António Guterres", 1, "antonio-guterres"),
    ("Human Rights Watch", 1, "human-rights-watch"),
    ("Taliban", 3, "taliban", TAL),
    ("Hamdullah Fitrat", 1, "hamdullah-fitrat"),
    ("Hibatullah", 1, "hibatullah-akhundzada"),
    ("United Nations", 2, "united-nations"),
    ("Amnesty International", 1, "amnesty-international"),
    ("Afghanistan Independent Human Rights Commission", 1, "aihrc"),
], ignore=[
    ("UN High Commissioner for Human Rights", 1),  # OHCHR: not in the table (not UNHCR)
])

doc("017_taliban_cabinet", [
    ("Kabul", 1, "kabul"),
    ("KABUL", 1, "kabul"),
    ("Afghanistan", 1, "afghanistan"),
    ("Mohammed Hassan Akhund", 1, "mohammad-hasan-akhund"),
    ("Abdul Ghani Baradar", 1, "abdul-ghani-baradar"),
    ("Hibatullah Akhundzada", 1, "hibatullah-akhundzada"),
    ("Mullah Muhammad Yaqoob", 1, "mohammad-yaqoob"),
    ("Mullah Omar", 1, "mullah-omar"),
    ("Yaqoob", 2, "mohammad-yaqoob"),
    ("Sirajudin Haqqani", 1, "sirajuddin-haqqani"),
    ("Amir Khan Motaqi", 1, "amir-khan-muttaqi"),
    ("Muttaqi", 1, "amir-khan-muttaqi"),
    ("Sher Mohammad Abbas Stanekzai", 1, "sher-mohammad-abbas-stanikzai"),
    ("Khost", 1, "khost"),
    ("UAE", 1, "uae"),
    ("Abbas Stanikzai", 1, "sher-mohammad-abbas-stanikzai"),
    ("Taliban", 2, "taliban", TAL),
    ("Doha", 1, "doha"),
    ("General Directorate of Intelligence", 1, "general-directorate-of-intelligence"),
    ("GDI", 1, "general-directorate-of-intelligence"),
    ("National Directorate of Security", 1, "nds"),
    ("NDS", 1, "nds"),
    ("Abdul Haq Wasiq", 1, "abdul-haq-wasiq"),
    ("Wasiq", 2, "abdul-haq-wasiq"),
    ("Guantanamo Bay", 1, "guantanamo-bay"),
    ("Akhund", 3, "mohammad-hasan-akhund"),
    ("Akhundzada", 2, "hibatullah-akhundzada"),
    ("Baradar", 3, "abdul-ghani-baradar"),
    ("Taliban", 3, "taliban", TAL),
    ("Omar", 2, "mullah-omar"),
    ("TOLOnews", 1, "tolonews"),
    ("Islamic Emirate", 1, "islamic-emirate-of-afghanistan", IEA),
], ignore=[
    ("Akhund", 1), ("Baradar", 1),  # headline, before the full names
    ("Taliban-run", 1),
])

doc("018_press_review", [
    ("Swat", 1, "swat"),
    ("Dawn", 1, "dawn"),
    ("Swat valley", 1, "swat"),
    ("Mingora", 1, "mingora"),
    ("Express Tribune", 1, "express-tribune"),
    ("Swat", 3, "swat"),
    ("Geo News", 1, "geo-news"),
    ("ARY News", 1, "ary-news"),
    ("Associated Press of Pakistan", 1, "associated-press-of-pakistan"),
    ("APP", 1, "associated-press-of-pakistan"),
    ("TOLOnews", 1, "tolonews"),
    ("Pajhwok Afghan News", 1, "pajhwok-afghan-news"),
    ("Nuristan", 1, "nuristan"),
    ("Kunar", 1, "kunar"),
    ("Afghanistan International", 1, "afghanistan-international"),
    ("Amu TV", 1, "amu-tv"),
    ("United States", 1, "united-states"),
    ("Taliban", 1, "taliban", TAL),
    ("Radio Azadi", 1, "rferl"),
    ("Radio Free Europe/Radio Liberty", 1, "rferl"),
    ("Hasht-e Subh", 1, "hasht-e-subh"),
    ("BBC", 1, "bbc"),
    ("Reuters", 1, "reuters"),
    ("Swat", 4, "swat"),
], ignore=[
    ("Pakistan Meteorological Department", 1),
    ("Kalam", 1),
    ("London-based", 1),
    ("Ministry of Information and Culture", 1),
    ("Afghan", 2),
])

doc("019_isi_not_isis", [
    ("ISI", 1, "isi"),
    ("ISIS", 1, "islamic-state"),
    ("Pakistan", 1, "pakistan"),
    ("Inter-Services Intelligence", 1, "isi"),
    ("ISI", 2, "isi"),
    ("Islamic State", 1, "islamic-state"),
    ("ISIS", 2, "islamic-state"),
    ("Isi", 1, "isi"),
    ("Isis", 1, "islamic-state"),
    ("ISI", 3, "isi"),
    ("Asim Malik", 1, "asim-malik"),
    ("Asim Munir", 1, "asim-munir"),
    ("ISI", 4, "isi"),
    ("Malik", 2, "asim-malik"),
    ("Nadeem Ahmed Anjum", 1, "nadeem-anjum"),
    ("Faiz Hameed", 1, "faiz-hameed"),
    ("Hameed", 2, "faiz-hameed"),
    ("Kabul", 1, "kabul"),
    ("Islamabad", 1, "islamabad"),
    ("India", 1, "india"),
    ("Research and Analysis Wing", 1, "research-and-analysis-wing"),
    ("Tehrik-i-Taliban", 1, "ttp"),
    ("New Delhi", 1, "new-delhi"),
    ("ISI", 5, "isi"),
    ("Lashkar-e-Taiba", 1, "lashkar-e-taiba"),
    ("Pakistan", 2, "pakistan"),
    ("Intelligence Bureau", 1, "intelligence-bureau-pakistan"),
    ("Federal Investigation Agency", 1, "fia"),
    ("FIA", 1, "fia"),
    ("India", 2, "india"),
    ("National Investigation Agency", 1, "national-investigation-agency"),
    ("ISIS", 3, "islamic-state"),
    ("Islamic State Pakistan Province", 1, "islamic-state-pakistan-province"),
    ("Wilayat al-Hind", 1, "islamic-state-hind-province"),
    ("India", 3, "india"),
    ("Islamic State Khorasan", 1, "isis-k"),
    ("ISI", 6, "isi"),
    ("Munir", 2, "asim-munir"),
], ignore=[
    ("Baloch", 1),
])

doc("020_book_review", [
    ("Afghanistan", 1, "afghanistan"),
    ("Gulbuddīn Ḥekmatyār", 1, "gulbuddin-hekmatyar"),
    ("Taliban", 1, "taliban", TAL),
    ("Zabīḥullāh Mujāhid", 1, "zabihullah-mujahid"),
    ("Nangarhār", 1, "nangarhar"),
    ("Ḥekmatyār", 2, "gulbuddin-hekmatyar"),
    ("Ḥaqqānī network", 1, "haqqani-network"),
    ("Jalāluddīn Ḥaqqānī", 1, "jalaluddin-haqqani"),
    ("Islamic State", 1, "islamic-state", ISK),
    ("Wilāyat Khurāsān", 1, "isis-k"),
    ("ISKP", 1, "isis-k"),
    ("Iskp", 1, "isis-k"),
    ("Tehrik-i-Taliban", 1, "ttp"),
    ("Orakzai", 1, "orakzai"),
    ("Bajaur", 1, "bajaur"),
    ("Hafiz Saeed Khan", 1, "hafiz-saeed-khan"),
    ("US", 1, "united-states"),
    ("Achin", 1, "achin"),
    ("Hafiz Saeed", 2, "hafiz-saeed"),
    ("Lashkar-e-Taiba", 1, "lashkar-e-taiba"),
    ("Mullā ʿUmar", 1, "mullah-omar"),
    ("al-Qā‘ida", 1, "al-qaeda"),
    ("Kandahār", 1, "kandahar"),
    ("Abū Bakr al-Baghdādī", 1, "abu-bakr-al-baghdadi"),
    ("Ahmed Rashid", 1, "ahmed-rashid"),
    ("Antonio Giustozzi", 1, "antonio-giustozzi"),
    ("Barnett Rubin", 1, "barnett-rubin"),
    ("Giustozzi", 2, "antonio-giustozzi"),
    ("Taliban", 3, "taliban", TAL),
], ignore=[
    ("Afghan", 1),
    ("Indian", 1), ("Pakistani", 1),
    ("Khurāsān", 2),  # the historical region, not the group
])

doc("021_wire_typos", [
    ("QUETTA", 1, "quetta"),
    ("FC", 1, "frontier-corps"),
    ("Mastung", 1, "mastung"),
    ("Baluchistan Liberation Army", 1, "bla"),
    ("Baloch Liberation Army", 1, "bla"),
    ("Majid Brigade", 1, "majeed-brigade"),
    ("Sarfraz Bugti", 1, "sarfraz-bugti"),
    ("Bugti", 2, "sarfraz-bugti"),
    ("Balochistan", 1, "balochistan"),
    ("PESHAWAR", 1, "peshawar"),
    ("Peshwar", 1, "peshawar"),
    ("Jamaat-ul-Ahrar", 1, "jamaat-ul-ahrar"),
    ("Tehreek-e-Talibaan Pakistan", 1, "ttp"),
    # The province's police (an entity since the table grew, issue 13); the
    # province inside its name counts too.
    ("Khyber Pakhtunkwa police", 1, "kp-police", ["khyber-pakhtunkhwa"]),
    ("Wazirstan", 1, "waziristan"),
    ("KANDAHAR", 1, "kandahar"),
    ("Taliban", 1, "taliban", TAL),
    ("Hibatulah Akhundzada", 1, "hibatullah-akhundzada"),
    ("Kandahar", 1, "kandahar"),
    ("Zabihulla Mujahid", 1, "zabihullah-mujahid"),
    ("Akhundzda", 1, "hibatullah-akhundzada"),
    ("Islamic Emirate", 1, "islamic-emirate-of-afghanistan", IEA),
    ("JALALABAD", 1, "jalalabad"),
    ("ISKP", 1, "isis-k"),
    ("Nangarhar", 1, "nangarhar"),
    ("Jalalbad", 1, "jalalabad"),
    ("Tehrik\u2013e\u2013Taliban", 1, "ttp"),
    ("ISLAMABAD", 1, "islamabad"),
    ("Mohsin Naqvy", 1, "mohsin-naqvi"),
    ("Naqvi", 1, "mohsin-naqvi"),
    ("Gulbudin Hekmatyar", 1, "gulbuddin-hekmatyar"),
], ignore=[
    ("Jeeyand Baloch", 1),
    ("Chaparhar", 1),
    ("Afghan", 1),
    ("Sardar Ahmad Shakib", 1),
])

doc("022_ttp_splinters", [
    ("TTP", 1, "ttp"),
    ("tribal districts", 1, "fata"),
    ("PESHAWAR", 1, "peshawar"),
    ("Pakistani Taliban", 1, "ttp"),
    ("Jamaat-ul-Ahrar", 1, "jamaat-ul-ahrar"),
    ("JuA", 1, "jamaat-ul-ahrar"),
    ("Mohmand", 1, "mohmand"),
    ("Omar Khalid Khorasani", 1, "omar-khalid-khorasani"),
    ("Abdul Wali Mohmand", 1, "omar-khalid-khorasani"),
    ("Tehreek-e-Taliban Pakistan", 1, "ttp"),
    ("Khorasani", 2, "omar-khalid-khorasani"),
    ("Paktika", 1, "paktika"),
    ("Hizb-ul-Ahrar", 1, "hizb-ul-ahrar"),
    ("Bajaur", 1, "bajaur"),
    ("Mohmand", 3, "mohmand"),
    ("Ahrar-ul-Hind", 1, "ahrar-ul-hind"),
    ("Islamabad", 1, "islamabad"),
    ("Tehreek-e-Jihad Pakistan", 1, "tehreek-e-jihad-pakistan"),
    ("TJP", 1, "tehreek-e-jihad-pakistan"),
    ("Dera Ismail Khan", 1, "dera-ismail-khan"),
    ("Zhob", 1, "zhob"),
    ("North Waziristan", 1, "north-waziristan"),
    ("Hafiz Gul Bahadur Group", 1, "gul-bahadur-group"),
    ("HGB", 1, "gul-bahadur-group"),
    ("HGB", 2, "gul-bahadur-group"),
    ("Mir Ali", 1, "mir-ali"),
    ("Khyber", 1, "khyber-district"),
    ("Lashkar-e-Islam", 1, "lashkar-e-islam"),
    ("LeI", 1, "lashkar-e-islam"),
    ("Mangal Bagh", 1, "mangal-bagh"),
    ("TTP", 2, "ttp"),
    ("Bagh", 2, "mangal-bagh"),
    ("Nangarhar", 1, "nangarhar"),
    ("South Waziristan", 1, "south-waziristan"),
    ("Mullah Nazir Group", 1, "mullah-nazir-group"),
    ("Wana", 1, "wana"),
    ("TTP", 3, "ttp"),
    ("Muhammad Khurasani", 1, "mohammad-khorasani"),
    ("Mufti Noor Wali", 1, "noor-wali-mehsud"),
    ("Rahimullah Yusufzai", 1, "rahimullah-yusufzai"),
    ("Baitullah Mehsud", 1, "baitullah-mehsud"),
    ("TTP", 4, "ttp"),
    ("Afghanistan", 1, "afghanistan"),
    ("Kunar", 1, "kunar"),
    ("Khost", 1, "khost"),
])

doc("023_cricket_icc", [
    ("Afghanistan", 1, "afghanistan"),
    ("Pakistan", 1, "pakistan"),
    ("ICC", 1, "international-cricket-council"),
    ("Taliban", 1, "taliban", TAL),
    ("Afghanistan", 2, "afghanistan"),
    ("Pakistan", 2, "pakistan"),
    ("Kabul", 1, "kabul"),
    ("Jalalabad", 1, "jalalabad"),
    ("International Cricket Council", 1, "international-cricket-council"),
    ("ICC", 2, "international-cricket-council"),
    ("Taliban", 2, "taliban", TAL),
    ("ICC", 3, "international-cricket-council"),
    ("International Criminal Court", 1, "international-criminal-court"),
    ("Hibatullah Akhundzada", 1, "hibatullah-akhundzada"),
    ("Abdul Hakim Haqqani", 1, "abdul-hakim-haqqani"),
    ("Haqqani", 2, "abdul-hakim-haqqani"),
    ("Taliban", 3, "taliban", TAL),
    ("Lahore", 1, "lahore"),
    ("Pakistan", 3, "pakistan"),
    ("Imran Khan", 1, "imran-khan"),
    ("Pakistan", 4, "pakistan"),
    ("Khan", 3, "imran-khan"),      # "Khan said": Imran Khan (from jail), not Rashid Khan
    ("Pakistan Tehreek-e-Insaf", 1, "pti"),
    ("Pakistan", 7, "pakistan"),
    ("Iran", 1, "iran"),
], ignore=[
    ("Chennai", 1), ("CHENNAI", 1), ("Chennai", 2),
    ("Ibrahim Zadran", 1),
    ("Rashid Khan", 1),
    ("Afghanistan Cricket Board", 1),
    ("Shahid Afridi", 1),
    ("Pakistan Cricket Board", 1),
    ("Afghan", 1),
])


# ---------------------------------------------------------------------------------------------
def load_table():
    ents = {}
    for path in sorted(glob.glob(os.path.join(ALIASES, "*.toml"))):
        with open(path, "rb") as f:
            data = tomllib.load(f)
        for e in data.get("entity", []):
            ents[e["id"]] = e
    if not ents:
        raise GoldError(f"no entities found in {ALIASES}")
    return ents


def build(show=False):
    ents = load_table()
    docs = sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(CORPUS, "*.txt")))
    known = set(docs)
    for d, *_ in M + IGN:
        if d not in known:
            raise GoldError(f"annotation for unknown document {d!r}")
    lines = []
    total = 0
    for d in docs:
        with open(os.path.join(CORPUS, d + ".txt"), encoding="utf-8") as f:
            text = f.read()
        raw = text.encode("utf-8")
        words = len(text.split())
        if not 80 <= words <= 250:
            raise GoldError(f"{d}: {words} words, outside 80-250")
        mentions, ignore = [], []
        for (dd, needle, occ, ent, also) in (a for a in M if a[0] == d):
            if ent not in ents:
                raise GoldError(f"{d}: unknown entity id {ent!r} for {needle!r}")
            for a in also:
                if a not in ents:
                    raise GoldError(f"{d}: unknown also id {a!r} for {needle!r}")
                if a == ent:
                    raise GoldError(f"{d}: also repeats the entity for {needle!r}")
            i, j = find_occurrence(text, needle, occ)
            s, e = byte_span(text, i, j)
            if raw[s:e].decode("utf-8") != needle:
                raise GoldError(f"{d}: byte span {s}:{e} does not decode to {needle!r}")
            m = {"start": s, "end": e, "text": needle, "entity": ent}
            if also:
                m["also"] = list(also)
            mentions.append(m)
        for (dd, needle, occ) in (a for a in IGN if a[0] == d):
            i, j = find_occurrence(text, needle, occ)
            s, e = byte_span(text, i, j)
            if raw[s:e].decode("utf-8") != needle:
                raise GoldError(f"{d}: byte span {s}:{e} does not decode to {needle!r}")
            ignore.append({"start": s, "end": e, "text": needle})
        mentions.sort(key=lambda m: (m["start"], m["end"]))
        ignore.sort(key=lambda m: (m["start"], m["end"]))
        for a, b in zip(mentions, mentions[1:]):
            if b["start"] < a["end"]:
                raise GoldError(f"{d}: mentions overlap: {a['text']!r}@{a['start']} and {b['text']!r}@{b['start']}")
            if a["start"] == b["start"] and a["end"] == b["end"]:
                raise GoldError(f"{d}: duplicate mention {a['text']!r}@{a['start']}")
        for a, b in zip(ignore, ignore[1:]):
            if b["start"] < a["end"]:
                raise GoldError(f"{d}: ignore spans overlap: {a['text']!r} and {b['text']!r}")
        for m in mentions:
            for g in ignore:
                if m["start"] < g["end"] and g["start"] < m["end"]:
                    raise GoldError(f"{d}: mention {m['text']!r}@{m['start']} overlaps ignore {g['text']!r}@{g['start']}")
        if not mentions:
            raise GoldError(f"{d}: no mentions")
        total += len(mentions)
        lines.append(json.dumps({"doc": d, "mentions": mentions, "ignore": ignore}, ensure_ascii=False))
        if show:
            print(f"== {d} ({words} words, {len(mentions)} mentions, {len(ignore)} ignored)")
            spans = [(m["start"], m["end"], m["entity"] + ("|" + ",".join(m["also"]) if "also" in m else "")) for m in mentions]
            spans += [(g["start"], g["end"], "IGNORE") for g in ignore]
            for s, e, lab in sorted(spans):
                left = raw[max(0, s - 25):s].decode("utf-8", "replace").replace("\n", " ")
                right = raw[e:e + 20].decode("utf-8", "replace").replace("\n", " ")
                print(f"  {s:5d}-{e:<5d} {lab:42s} …{left}[{raw[s:e].decode()}]{right}…")
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return docs, total, ents


def audit(ents):
    """Report table names present in the text that no mention or ignore span covers."""
    import re
    names = []
    for e in ents.values():
        for n in [e["name"]] + e.get("aliases", []) + e.get("native", []) + e.get("weak", []):
            names.append((n, e["id"], False))
        for a in e.get("acronyms", []):
            names.append((a, e["id"], True))
    with open(OUT, encoding="utf-8") as f:
        gold = [json.loads(l) for l in f]
    for g in gold:
        with open(os.path.join(CORPUS, g["doc"] + ".txt"), encoding="utf-8") as f:
            text = f.read()
        raw = text.encode("utf-8")
        covered = [(m["start"], m["end"]) for m in g["mentions"] + g["ignore"]]
        for n, eid, is_acr in names:
            flags = 0 if is_acr else re.IGNORECASE
            for mt in re.finditer(re.escape(n), text, flags):
                i, j = mt.span()
                if glued(text, i, j):
                    continue
                s, e = byte_span(text, i, j)
                if not any(s < ce and cs < e for cs, ce in covered):
                    ctx = raw[max(0, s - 30):e + 20].decode("utf-8", "replace").replace("\n", " ")
                    print(f"{g['doc']}: uncovered {raw[s:e].decode()!r} ({eid}) …{ctx}…")


def main():
    show = "--show" in sys.argv
    try:
        docs, total, ents = build(show=show)
    except GoldError as exc:
        print(f"make_gold.py: ERROR: {exc}", file=sys.stderr)
        sys.exit(1)
    print(f"wrote {OUT}: {len(docs)} documents, {total} gold mentions, "
          f"{len(IGN)} ignore spans")
    if "--audit" in sys.argv:
        audit(ents)


if __name__ == "__main__":
    main()
