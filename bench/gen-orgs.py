#!/usr/bin/env python3
"""Synthetic, obviously fictional organisations in the node's import format ({"organisations": [...]}).

usage: gen-orgs.py NODE_ID COUNT OUT.json [--seed N]

Every name contains "Fictional" / "Вымышленный" and a unique number (names must be unique across the
federation: the indexer flags copies of another node's name as confusable). Contacts are example.org
addresses; websites are https://<slug>.example.org. One physical place per organisation, so one search
document per listing. The payload is sized so that one signed listing (compact JWS) is about 2 KB.
"""
import json, random, sys, uuid

CITIES = [("Berlin", "DE"), ("Munich", "DE"), ("Hamburg", "DE"), ("Frankfurt", "DE"), ("Cologne", "DE"),
          ("Leipzig", "DE"), ("Tbilisi", "GE"), ("Batumi", "GE"), ("Yerevan", "AM"), ("Vilnius", "LT"),
          ("Riga", "LV"), ("Tallinn", "EE"), ("Warsaw", "PL"), ("Prague", "CZ"), ("Paris", "FR"),
          ("London", "GB"), ("Amsterdam", "NL"), ("Helsinki", "FI"), ("Belgrade", "RS"), ("Novi Sad", "RS"),
          ("Budva", "ME"), ("Podgorica", "ME"), ("Istanbul", "TR"), ("Astana", "KZ"), ("Almaty", "KZ"),
          ("Bishkek", "KG"), ("Tashkent", "UZ"), ("Tel Aviv", "IL"), ("Limassol", "CY"), ("Lisbon", "PT"),
          ("Barcelona", "ES"), ("Madrid", "ES"), ("Rome", "IT"), ("Milan", "IT"), ("Vienna", "AT"),
          ("Zurich", "CH"), ("Geneva", "CH"), ("Stockholm", "SE"), ("Oslo", "NO"), ("Copenhagen", "DK"),
          ("Brussels", "BE"), ("New York", "US"), ("Toronto", "CA"), ("Chisinau", "MD"), ("Baku", "AZ")]
FOCUS = ["relocation", "asylum", "legal-aid", "deserters", "political-prisoners", "human-rights", "media",
         "ukrainian-refugees", "anti-war", "labour", "lgbtq", "feminism", "psychological-support", "housing",
         "education-culture", "funding", "digital-security", "grassroots-democracy", "advocacy"]
KINDS_EN = ["Mutual Aid Circle", "Legal Help Desk", "Relocation Network", "Exile Newsroom", "Solidarity Fund",
            "Refugee Support Group", "Peace Initiative", "Labour Rights Collective", "Digital Safety Lab",
            "Support Line"]
KINDS_RU = ["круг взаимопомощи", "юридическая приёмная", "сеть релокации", "редакция в изгнании",
            "фонд солидарности", "группа поддержки беженцев", "мирная инициатива", "трудовой коллектив",
            "лаборатория цифровой безопасности", "линия поддержки"]
LANGS = ["ru", "en", "uk", "de", "ka", "hy", "lt", "fr", "pl", "sr"]
WORDS_EN = ("this fictional group exists only for benchmarks and offers imaginary consultations on "
            "documents visas housing work and safety for people who left their country because of the war "
            "volunteers meet weekly answer messages organise workshops collect donations and help newcomers "
            "find lawyers doctors schools and each other").split()
WORDS_RU = ("эта вымышленная группа существует только для нагрузочных тестов и проводит воображаемые "
            "консультации по документам визам жилью работе и безопасности для людей уехавших из-за войны "
            "волонтёры встречаются каждую неделю отвечают на письма устраивают семинары собирают пожертвования").split()


def text(rng, words, n):
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def org(rng, node, i):
    kind = rng.randrange(len(KINDS_EN))
    city, country = CITIES[rng.randrange(len(CITIES))]
    tag = f"{node}-{i:06d}"
    slug = f"{node}-{i:06d}".lower()
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "name": {"en": f"Fictional {KINDS_EN[kind]} {tag}",
                 "ru": f"Вымышленный {KINDS_RU[kind]} {tag.replace('-', ' ')}"},
        "description": {"en": text(rng, WORDS_EN, 50), "ru": text(rng, WORDS_RU, 25)},
        "focus": rng.sample(FOCUS, rng.randint(1, 4)),
        "languages": rng.sample(LANGS, rng.randint(1, 3)),
        "locations": [{"kind": "physical", "city": city, "country": country}],
        "contacts": [
            {"kind": "email", "value": f"info@{slug}.example.org", "visibility": "public", "press": False},
            {"kind": "email", "value": f"press@{slug}.example.org", "visibility": "public", "press": True},
            {"kind": "email", "value": f"board@{slug}.example.org", "visibility": "hidden", "press": False},
        ],
        "website": f"https://{slug}.example.org",
        "scope": rng.choice(["local", "regional", "national", "international"]),
        "status": "active",
        "last_confirmed": "2026-11-01",
        "review_by": "2027-11-01",
    }


def main():
    node, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else hash(node) & 0xFFFF
    rng = random.Random(f"{node}:{seed}")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"organisations": [org(rng, node, i) for i in range(count)]}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
