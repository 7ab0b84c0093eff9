"""The benchmark data: clients, contact persons, phone numbers, events and queries.

Everything is drawn from ``random.Random`` seeded with a fixed number, so every
run (and every backend within a run) sees the same data and the same queries.
Only the standard library is imported at module level: the import child
processes load this module and must not pull crmcore in by accident.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "EMPLOYEES",
    "EVENT_TYPES",
    "ClientSpec",
    "ContactSpec",
    "Population",
    "Sizes",
    "caller_texts",
    "client_code",
    "event_rows",
    "search_fragments",
    "timeline_sample",
]

DEFAULT_SEED = 20_141_105


@dataclass(frozen=True)
class Sizes:
    """How much data a run makes and how many queries each latency test sends."""

    clients: int
    events: int
    timeline_queries: int = 500
    caller_queries: int = 1000
    search_queries: int = 300
    warmup: int = 50

    @property
    def phones(self) -> int:
        return self.clients * 3

    @property
    def contacts(self) -> int:
        return self.clients * 2

    @classmethod
    def full(cls) -> Sizes:
        return cls(clients=100_000, events=1_000_000)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(clients=1_000, events=10_000)


# ------------------------------------------------------------------ vocabulary

#: (code, name, position) of the employees the setup creates; the first one imports events.
EMPLOYEES = (
    ("101", "Коваленко Ірина Петрівна", "менеджер з продажу"),
    ("102", "Шевчук Андрій Миколайович", "менеджер з продажу"),
    ("103", "Бондар Олена Вікторівна", "оператор кол-центру"),
    ("104", "Ткаченко Сергій Іванович", "керівник відділу продажу"),
    ("105", "Мельник Юлія Андріївна", "бухгалтер"),
)

#: System event type codes with how often each shows up in the imported history.
EVENT_TYPES = (
    ("ВхЗ", 30),
    ("ИсхЗ", 25),
    ("ПрЗ", 8),
    ("Встр", 5),
    ("ВхП", 10),
    ("ИсхП", 10),
    ("ВхСМС", 3),
    ("ИсхСМС", 4),
    ("Письмо", 2),
    ("Зам", 3),
)

# fmt: off
_LEGAL_FORMS = ("ТОВ", "ТОВ", "ТОВ", "ПП", "ПрАТ", "АТ", "КП", "ФГ", "ТзОВ")
_BRAND_ROOTS = (
    "Агро", "Буд", "Техно", "Енерго", "Дніпро", "Карпати", "Поділля", "Світ", "Лан", "Зерно",
    "Хліб", "Молоко", "Інвест", "Транс", "Укр", "Київ", "Львів", "Полтава", "Золото", "Соняшник",
    "Вишня", "Калина", "Явір", "Діброва", "Берег", "Степ", "Сівер", "Галич", "Одеса", "Харків",
    "Черкаси", "Житомир", "Волинь", "Полісся", "Буковина", "Слобожан", "Таврія", "Запоріжжя",
    "Медтех", "Фарм", "Деревообробка", "Метал", "Хім", "Еко", "Смарт", "Нова", "Оптима", "Прайм",
    "Аква", "Терра",
)
_BRAND_SUFFIXES = (
    "сервіс", "торг", "пром", "буд", "постач", "трейд", "лайн", "систем", "груп", "маркет",
    "комплект", "резерв", "альянс", "інвест", "логістик", "продукт", "експорт", "імпорт",
    "агро", "тех",
)
_BRAND_EXTRAS = ("", "", "", "", " Плюс", " Україна", " Центр", " Захід", " Схід", "-2000", " і Ко")

_SURNAMES = (
    "Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Шевчук",
    "Поліщук", "Бойко", "Ткачук", "Мельник", "Лисенко", "Руденко", "Марченко", "Савченко",
    "Петренко", "Мороз", "Кравчук", "Павленко", "Левченко", "Гончаренко", "Романюк", "Клименко",
    "Карпенко", "Литвиненко", "Гриценко", "Онищенко", "Костенко", "Юрченко", "Данилюк", "Мазур",
    "Собко", "Головко", "Кушнір", "Гуменюк", "Приходько", "Тимошенко", "Захарченко", "Дяченко",
    "Вакуленко",
)
_MALE_NAMES = (
    "Олександр", "Андрій", "Сергій", "Володимир", "Дмитро", "Юрій", "Іван", "Михайло", "Віктор",
    "Богдан", "Тарас", "Василь", "Петро", "Микола", "Ярослав", "Олег", "Роман", "Максим",
    "В'ячеслав", "Євген",
)
_FEMALE_NAMES = (
    "Олена", "Ірина", "Наталія", "Тетяна", "Оксана", "Юлія", "Світлана", "Марія", "Галина",
    "Людмила", "Катерина", "Анна", "Ольга", "Вікторія", "Софія", "Дарина", "Ганна", "Надія",
    "Лариса", "Христина",
)
#: (male, female) patronymics.
_PATRONYMICS = (
    ("Олександрович", "Олександрівна"), ("Андрійович", "Андріївна"), ("Сергійович", "Сергіївна"),
    ("Володимирович", "Володимирівна"), ("Миколайович", "Миколаївна"), ("Іванович", "Іванівна"),
    ("Петрович", "Петрівна"), ("Васильович", "Василівна"), ("Григорович", "Григорівна"),
    ("Юрійович", "Юріївна"), ("Михайлович", "Михайлівна"), ("Вікторович", "Вікторівна"),
)
_POSITIONS = (
    "директор", "головний бухгалтер", "бухгалтер", "менеджер із закупівель",
    "комерційний директор", "секретар", "юрист", "начальник відділу постачання",
    "завідувач складу", "економіст", "інженер", "логіст",
)
_CITIES = (
    ("01001", "Київ"), ("79000", "Львів"), ("61000", "Харків"), ("65000", "Одеса"),
    ("49000", "Дніпро"), ("36000", "Полтава"), ("18000", "Черкаси"), ("10000", "Житомир"),
    ("21000", "Вінниця"), ("76000", "Івано-Франківськ"),
)
_STREETS = (
    "вул. Хрещатик", "просп. Перемоги", "вул. Січових Стрільців", "вул. Шевченка",
    "вул. Грушевського", "вул. Соборна", "вул. Франка", "просп. Науки", "вул. Лесі Українки",
    "вул. Героїв Майдану",
)
_MAIL_DOMAINS = ("ukr.net", "gmail.com", "i.ua", "meta.ua", "example.com.ua")
_TAGS = (
    "VIP", "опт", "роздріб", "новий", "бюджет", "постійний", "Київ", "регіон", "держсектор",
    "експорт",
)
_KINDS = ("prospect", "customer", "customer", "customer", "partner", "supplier")

_SUBJECTS = (
    "Запит ціни", "Уточнення замовлення", "Рекламація", "Звірка розрахунків", "Оплата рахунку",
    "Доставка", "Повернення товару", "Комерційна пропозиція", "Договір поставки",
    "Акт виконаних робіт", "Нагадування про оплату", "Зміна контактної особи",
    "Запит документів", "Графік відвантаження", "Знижка на наступне замовлення",
    "Узгодження специфікації", "Претензія щодо якості", "Продовження договору",
    "Презентація нового асортименту", "Консультація", "Виставлення рахунку",
    "Підтвердження отримання", "Запрошення на зустріч", "Пропущений дзвінок",
    "Уточнення реквізитів",
)
_SENTENCES = (
    "Клієнт просить надіслати оновлений прайс-лист на наступний квартал.",
    "Домовилися про відвантаження партії у четвер до обіду.",
    "Бухгалтерія клієнта не отримала податкову накладну за минулий місяць.",
    "Потрібно підготувати акт звірки станом на кінець року.",
    "Обговорили умови відстрочення платежу на 30 календарних днів.",
    "Клієнт скаржиться на пошкоджену упаковку в останній поставці.",
    "Запитали сертифікати відповідності на всю продукцію.",
    "Зустріч перенесено на наступний тиждень за проханням директора.",
    "Менеджер пообіцяв передзвонити після погодження з керівництвом.",
    "Надіслано комерційну пропозицію з урахуванням знижки 5%.",
    "Контактна особа у відпустці, питання вирішує заступник.",
    "Оплату за рахунком отримано частково, решту обіцяють до п'ятниці.",
    "Клієнт цікавиться можливістю доставки до Львова власним транспортом.",
    "Уточнили кількість позицій у специфікації до договору.",
    "Потрібен оригінал договору з печаткою, скан не підходить.",
    "Погодили новий графік поставок на весняний сезон.",
    "Клієнт планує розширення асортименту і просить каталог.",
    "Повідомили про зміну банківських реквізитів з першого числа.",
    "Склад підтвердив наявність товару у потрібній кількості.",
    "Попросили продублювати рахунок на електронну пошту бухгалтера.",
)

# fmt: on

_WORD = re.compile(r"[А-ЩЬЮЯҐЄІЇа-щьюяґєії]+")


def client_code(index: int) -> str:
    """The business code of the client number ``index`` (0-based), 1C style."""
    return f"{index + 1:09d}"


# ------------------------------------------------------------------ phones

_KYIV = "44"
_MOBILE_CODES = ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99")


def written_forms(national: str) -> tuple[str, ...]:
    """Ways people write the national number ``0XXNNNNNNN`` (ten digits)."""
    area, s = national[1:3], national[3:]
    a, b, c = s[:3], s[3:5], s[5:]
    return (
        f"0{area} {a} {b} {c}",
        f"+38 (0{area}) {a}-{b}-{c}",
        f"0{area}{s}",
        f"+380{area}{s}",
        f"(0{area}) {a}-{b}-{c}",
        f"+380 {area} {a} {b}{c}",
        f"38 0{area} {a} {b} {c}",
        f"0{area}-{a}-{b}-{c}",
        f"+38 0{area} {a} {b} {c}",
    )


def e164(national: str) -> str:
    return "+38" + national


class _PhoneBook:
    """Draws unique valid Ukrainian numbers (national form ``0XXNNNNNNN``)."""

    def __init__(self, rng: random.Random) -> None:
        import phonenumbers

        self._phonenumbers = phonenumbers
        self._rng = rng
        self.used: set[str] = set()

    def _valid(self, national: str) -> bool:
        pn = self._phonenumbers
        return pn.is_valid_number(pn.parse(national, "UA"))  # type: ignore[no-any-return]

    def draw(self, *, landline: bool, keep: bool = True) -> str:
        rng = self._rng
        while True:
            if landline:
                # Kyiv subscriber numbers start with 2 to 5.
                national = f"0{_KYIV}{rng.randrange(2_000_000, 6_000_000)}"
            else:
                national = f"0{rng.choice(_MOBILE_CODES)}{rng.randrange(10_000_000):07d}"
            if national in self.used or not self._valid(national):
                continue
            if keep:
                self.used.add(national)
            return national

    def written(self, national: str) -> str:
        return self._rng.choice(written_forms(national))


# ------------------------------------------------------------------ clients


@dataclass
class ContactSpec:
    name: str
    position: str
    phone: str  # as written
    national: str
    email: str | None


@dataclass
class ClientSpec:
    index: int
    code: str
    name: str
    kind: str
    tax_code: str
    address: str
    phone: str  # as written
    national: str
    emails: list[str]
    tags: list[str]
    contacts: list[ContactSpec] = field(default_factory=list)

    def create_kwargs(self) -> dict[str, Any]:
        """Arguments of ``crm.clients.create`` (``responsible`` is added by the caller)."""
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "tax_code": self.tax_code,
            "addresses": [self.address],
            "phones": [self.phone],
            "emails": self.emails,
            "tags": self.tags,
        }


def _person(rng: random.Random) -> str:
    surname = rng.choice(_SURNAMES)
    male, female = rng.choice(_PATRONYMICS)
    if rng.random() < 0.5:
        return f"{surname} {rng.choice(_MALE_NAMES)} {male}"
    return f"{surname} {rng.choice(_FEMALE_NAMES)} {female}"


def _company(rng: random.Random) -> str:
    brand = rng.choice(_BRAND_ROOTS) + rng.choice(_BRAND_SUFFIXES) + rng.choice(_BRAND_EXTRAS)
    return f'{rng.choice(_LEGAL_FORMS)} "{brand}"'


class Population:
    """The clients of a run, drawn one by one; remembers what the queries need."""

    def __init__(self, count: int, seed: int) -> None:
        self.count = count
        self._rng = random.Random(seed)
        self._phones = _PhoneBook(self._rng)
        self.names: list[str] = []
        #: national numbers of (client phones, contact phones), in creation order
        self.client_phones: list[str] = []
        self.contact_phones: list[str] = []

    def __iter__(self) -> Iterator[ClientSpec]:
        rng = self._rng
        for index in range(self.count):
            person = rng.random() < 0.3
            name = f"ФОП {_person(rng)}" if person else _company(rng)
            # ІПН (10 digits) of a sole proprietor, ЄДРПОУ (8 digits) of a company
            tax_code = str(rng.randrange(10**9, 10**10) if person else rng.randrange(10**7, 10**8))
            postcode, city = rng.choice(_CITIES)
            address = f"{postcode}, м. {city}, {rng.choice(_STREETS)}, {rng.randrange(1, 200)}"
            national = self._phones.draw(landline=rng.random() < 0.6)
            roll = rng.random()
            mails = 0 if roll < 0.15 else (1 if roll < 0.85 else 2)
            emails = [
                f"{box}{index + 1}@{rng.choice(_MAIL_DOMAINS)}" for box in ("office", "buh")[:mails]
            ]
            tags = rng.sample(_TAGS, rng.choice((0, 1, 1, 2)))
            spec = ClientSpec(
                index=index,
                code=client_code(index),
                name=name,
                kind=rng.choice(_KINDS),
                tax_code=tax_code,
                address=address,
                phone=self._phones.written(national),
                national=national,
                emails=emails,
                tags=tags,
            )
            for number in range(2):
                contact_national = self._phones.draw(landline=rng.random() < 0.1)
                spec.contacts.append(
                    ContactSpec(
                        name=_person(rng),
                        position=rng.choice(_POSITIONS),
                        phone=self._phones.written(contact_national),
                        national=contact_national,
                        email=(
                            f"contact{index + 1}.{number + 1}@{rng.choice(_MAIL_DOMAINS)}"
                            if rng.random() < 0.5
                            else None
                        ),
                    )
                )
                self.contact_phones.append(contact_national)
            self.names.append(name)
            self.client_phones.append(national)
            yield spec

    def unknown_number(self) -> str:
        """A valid number nobody in the population has."""
        return self._phones.draw(landline=self._rng.random() < 0.3, keep=False)


# ------------------------------------------------------------------ events


def _details_pool(rng: random.Random) -> list[str]:
    """Free texts of 1 to 9 sentences: some longer than the 280-character timeline summary."""
    return [" ".join(rng.choices(_SENTENCES, k=rng.randrange(1, 10))) for _ in range(257)]


def event_rows(count: int, clients: int, seed: int, ref_prefix: str) -> Iterator[dict[str, Any]]:
    """The import rows: ``count`` events of random clients, as a generator.

    The client is drawn as ``int(clients * u**2)`` for a uniform ``u``: the
    first clients are much busier than the last, as in real client bases
    (the first 1% of clients get 10% of the events).  Every row has an
    ``external_ref`` made of ``ref_prefix`` and its number.
    """
    rng = random.Random(seed)
    details = _details_pool(rng)
    types = [code for code, weight in EVENT_TYPES for _ in range(weight)]
    start = datetime(2023, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=3 * 365).total_seconds() * 1_000_000)
    random_ = rng.random
    choice = rng.choice
    randrange = rng.randrange
    for number in range(count):
        yield {
            "client": client_code(int(clients * random_() ** 2)),
            "type": choice(types),
            "occurred_at": start + timedelta(microseconds=randrange(span)),
            "subject": choice(_SUBJECTS),
            "details": choice(details),
            "external_ref": f"{ref_prefix}-{number:08d}",
        }


# ------------------------------------------------------------------ queries


def timeline_sample(clients: int, count: int, seed: int) -> list[int]:
    """Indexes of the clients whose timelines are read."""
    rng = random.Random(seed + 1)
    return [rng.randrange(clients) for _ in range(count)]


def caller_texts(population: Population, count: int, seed: int) -> list[str]:
    """Numbers as a PBX or a person passes them to caller-ID.

    45% client lines, 45% contact persons' numbers, each in a random written
    form; 5% of known numbers with an extension appended; 5% numbers nobody has.
    """
    rng = random.Random(seed + 2)
    texts: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.05:
            texts.append(rng.choice(written_forms(population.unknown_number())))
            continue
        pool = population.client_phones if roll < 0.5 else population.contact_phones
        text = rng.choice(written_forms(rng.choice(pool)))
        if roll > 0.95:
            text += rng.choice((" доб. ", " ext. ", " x")) + str(rng.randrange(10, 999))
        texts.append(text)
    return texts


def search_fragments(names: list[str], count: int, seed: int) -> list[str]:
    """Parts of client names as people type them: 3 to 6 Cyrillic letters in any case."""
    rng = random.Random(seed + 3)
    fragments: list[str] = []
    while len(fragments) < count:
        words = [w for w in _WORD.findall(rng.choice(names)) if len(w) >= 4]
        if not words:
            continue
        word = rng.choice(words)
        size = rng.randrange(3, min(6, len(word)) + 1)
        start = rng.randrange(len(word) - size + 1)
        fragment = word[start : start + size]
        fragments.append(rng.choice((str.lower, str.upper, str.title, str))(fragment))
    return fragments
