//! The demo data set: synthetic outreach contacts from 2004 to a given day, for `uppsok demo`.
//!
//! Pure and deterministic: no storage, no keys, no clock. The same seed and end date always give
//! the same field nights, contacts, codes and notes (a ChaCha8 generator seeded with the seed).
//!
//! What it models (docs/demo.md): weekly field nights on the street and online, a joint police
//! operation night every sixth week, counselling, medical advice and other daytime contacts,
//! referrals, trafficking indicators in a few percent of contacts, and a pool of persons who
//! return over months and years with a stable role, gender and counterpart while they age into
//! older bands. Some contacts on a night are unidentified (no code). Codes are synthetic code
//! material (two letters and a two-digit birth year, such as `ab85`), never names; notes are
//! Swedish phrases without any identifier.
//!
//! Calibration to the 2009 seed document: in 2004-01-01..2009-12-31 only the persons of the
//! [`COUNSELLING_COHORT`] have counselling contacts, each at least one, so that period's
//! counselling figures are exactly the cohort's: 412 individuals ("drygt 400"), most of them
//! women who sell sex to men, 7 men who sell sex to men, 22 men who buy sex from women.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::domain::{
    AgeBand, Attributes, ConcernReport, ContactType, Counterpart, Date, District,
    FieldNightDetails, FieldNightKind, Gender, Referral, Referrals, Role,
};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 2004;
/// The demo database's user (role admin).
pub const USER: &str = "demo";
/// The demo user's passphrase (exempt from the minimum length).
pub const PASSPHRASE: &str = "demo";

/// The first day of demo data.
pub fn first_day() -> Date {
    NaiveDate::from_ymd_opt(2004, 1, 1).expect("a valid date")
}

/// The period the seed document's counselling figures cover: 2004-01-01 to 2009-12-31.
pub fn calibration_period() -> (Date, Date) {
    (
        first_day(),
        NaiveDate::from_ymd_opt(2009, 12, 31).expect("a valid date"),
    )
}

/// The first day on which persons outside the cohort may have counselling contacts.
fn open_counselling_from() -> Date {
    NaiveDate::from_ymd_opt(2010, 1, 1).expect("a valid date")
}

/// One group of the counselling cohort: persons of one role, gender and counterpart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CohortGroup {
    pub role: Role,
    pub gender: Gender,
    pub counterpart: Counterpart,
    pub persons: usize,
}

const fn group(
    role: Role,
    gender: Gender,
    counterpart: Counterpart,
    persons: usize,
) -> CohortGroup {
    CohortGroup {
        role,
        gender,
        counterpart,
        persons,
    }
}

/// Everyone with a counselling contact in the calibration period: "just over 400 individuals;
/// the majority women who sold sex to men; seven men who sold sex to men; just over twenty men
/// who bought sex from women".
pub const COUNSELLING_COHORT: &[CohortGroup] = &[
    group(Role::Sells, Gender::Woman, Counterpart::Men, 338),
    group(Role::Sells, Gender::Woman, Counterpart::Both, 11),
    group(Role::Sells, Gender::Trans, Counterpart::Men, 16),
    group(Role::Sells, Gender::Nonbinary, Counterpart::Both, 4),
    group(Role::Sells, Gender::Man, Counterpart::Men, 7),
    group(Role::Sells, Gender::Man, Counterpart::Women, 5),
    group(Role::Buys, Gender::Man, Counterpart::Women, 22),
    group(Role::Other, Gender::Woman, Counterpart::Unknown, 9),
];

/// How many persons the counselling cohort holds.
pub fn cohort_size() -> usize {
    COUNSELLING_COHORT.iter().map(|g| g.persons).sum()
}

/// A field night of the demo data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoNight {
    pub date: Date,
    pub details: FieldNightDetails,
}

/// A contact of the demo data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoContact {
    pub date: Date,
    /// The code material as the worker typed it (synthetic), or `None` for an unidentified
    /// contact.
    pub code: Option<String>,
    pub attributes: Attributes,
    pub note: String,
    /// The index in [`DemoData::nights`] of the field night the contact came from.
    pub night: Option<usize>,
}

/// The whole demo data set, in date order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoData {
    pub from: Date,
    pub to: Date,
    pub nights: Vec<DemoNight>,
    pub contacts: Vec<DemoContact>,
    /// How many distinct persons (codes) were made, met or not.
    pub persons: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Street,
    Online,
}

/// A synthetic person of the pool.
#[derive(Debug, Clone)]
struct Person {
    /// Normalised code material: two letters and the last two digits of the birth year.
    code: String,
    role: Role,
    gender: Gender,
    counterpart: Counterpart,
    birth_year: i32,
    channel: Channel,
    /// The street district where they are usually met, also used for daytime contacts.
    home: &'static str,
    from: Date,
    to: Date,
    /// Shows signs of being trafficked.
    trafficked: bool,
    /// How likely they are met on a night of their channel while active.
    visit: f64,
    /// For the counselling cohort: the first counselling date (in the calibration period).
    counselling: Option<Date>,
}

/// Street districts with weights: most street prostitution in the city centre.
const STREET_DISTRICTS: &[(&str, u32)] = &[
    ("norrmalm", 40),
    ("sodermalm", 18),
    ("kungsholmen", 10),
    ("ostermalm", 8),
    ("hagersten-alvsjo", 4),
    ("enskede-arsta-vantor", 4),
    ("farsta", 3),
    ("rinkeby-kista", 3),
    ("spanga-tensta", 2),
    ("bromma", 2),
    ("skarholmen", 2),
    ("skarpnack", 2),
    ("hasselby-vallingby", 2),
];

/// Letters for initials (no q, w, x, z; now and then å, ä, ö).
const INITIALS: &[(char, u32)] = &[
    ('a', 10),
    ('b', 5),
    ('c', 3),
    ('d', 4),
    ('e', 8),
    ('f', 3),
    ('g', 3),
    ('h', 4),
    ('i', 5),
    ('j', 5),
    ('k', 6),
    ('l', 7),
    ('m', 8),
    ('n', 5),
    ('o', 3),
    ('p', 4),
    ('r', 5),
    ('s', 8),
    ('t', 5),
    ('u', 2),
    ('v', 3),
    ('y', 2),
    ('å', 1),
    ('ä', 1),
    ('ö', 1),
];

const NOTES_STREET: &[&str] = &[
    "Delade ut kondomer och glidmedel.",
    "Samtal om säkerhet och om att arbeta i par.",
    "Berättade om mottagningen och öppettiderna.",
    "Verkade stressad och ville inte prata länge.",
    "Återkommande kontakt, mår bättre än förra gången.",
    "Frågade om testning för könssjukdomar.",
    "Tackade nej till samtal i kväll men tog emot material.",
    "Bad om information om akut boende.",
    "Kall kväll, kort kontakt vid busshållplatsen.",
    "Pratade om att vilja sluta och vad som krävs.",
    "Ny på gatan, fick information om stödet.",
    "Berättade om våld från en köpare, erbjöd stöd.",
];

const NOTES_ONLINE: &[&str] = &[
    "Svarade på annons, erbjöd samtal.",
    "Chattkontakt, informerade om vad enheten kan erbjuda.",
    "Ville ha information om mottagningen.",
    "Kort kontakt via chatt, inget behov just nu.",
    "Frågade om anonym testning.",
    "Återkommande kontakt via annonssajt, vill ses på mottagningen.",
    "Funderar på att sluta sälja, bokade samtal.",
];

const NOTES_POLICE: &[&str] = &[
    "Samtal direkt efter förhör, erbjöd fortsatt stöd.",
    "Ville inte prata, fick information om mottagningen.",
    "Informerade om samtalsstöd för köpare.",
    "Gemensam insatskväll, kort kontakt på plats.",
    "Skakad efter ingripandet, tackade ja till uppföljning.",
];

const NOTES_COUNSELLING: &[&str] = &[
    "Stödsamtal om situationen hemma.",
    "Fortsatt samtalsstöd, planerar nästa steg.",
    "Samtal om skam och relationer.",
    "Samtal om ekonomi och skulder.",
    "Bokade uppföljande samtal.",
    "Samtal om sömn och oro.",
    "Samtal om att bygga ett nätverk utanför miljön.",
];

const NOTES_MEDICAL: &[&str] = &[
    "Rådgivning om sexuell hälsa.",
    "Hänvisad till provtagning.",
    "Frågor om preventivmedel.",
    "Rådgivning om sårvård och hygien.",
];

const NOTES_OTHER: &[&str] = &[
    "Hjälp med kontakt med myndighet.",
    "Informationsträff på mottagningen.",
    "Kort telefonsamtal om tider.",
];

const NOTES_TRAFFICKING: &[&str] = &[
    "Tecken på att någon annan styr kontakten.",
    "Uppgav att passet hålls av en annan person.",
    "Kontakt med polisens människohandelsgrupp föreslogs.",
    "Verkar inte veta var hon bor, kontrollerad av annan.",
];

const NOTE_UNDER18: &str = "Orosanmälan gjord.";

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut r = rng.gen_range(0..total);
    for &(item, w) in items {
        if r < w {
            return item;
        }
        r -= w;
    }
    items[items.len() - 1].0
}

fn one_of<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.gen_range(0..items.len())]
}

/// A day uniformly in `lo..=hi`.
fn day_in(rng: &mut ChaCha8Rng, lo: Date, hi: Date) -> Date {
    let span = (hi - lo).num_days().max(0);
    lo + Duration::days(rng.gen_range(0..=span))
}

/// A weekday (Monday to Friday) in `lo..=hi`, which must hold one.
fn weekday_in(rng: &mut ChaCha8Rng, lo: Date, hi: Date) -> Date {
    let mut d = day_in(rng, lo, hi);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = if d - Duration::days(1) >= lo {
            d - Duration::days(1)
        } else {
            d + Duration::days(1)
        };
    }
    d
}

/// The next weekday on or after `d`.
fn weekday_from(mut d: Date) -> Date {
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d += Duration::days(1);
    }
    d
}

/// The share of newly met persons who are met online: low before 2010, then rising.
fn online_share(year: i32) -> f64 {
    if year < 2010 {
        0.12
    } else {
        (0.18 + 0.06 * f64::from(year - 2010)).min(0.7)
    }
}

/// How much street work there is compared with the early years.
fn street_factor(year: i32) -> f64 {
    if year < 2010 {
        1.0
    } else {
        (1.0 - 0.04 * f64::from(year - 2010)).max(0.55)
    }
}

fn age_band(birth_year: i32, date: Date) -> AgeBand {
    match date.year() - birth_year {
        i32::MIN..=17 => AgeBand::Under18,
        18..=24 => AgeBand::From18To24,
        25..=34 => AgeBand::From25To34,
        35..=44 => AgeBand::From35To44,
        45..=54 => AgeBand::From45To54,
        _ => AgeBand::From55,
    }
}

/// The answer to the under-18 question for a synthetic under-18 contact: mostly made (the
/// unit's routine), sometimes to be made or not made. Taken from the date, not the random
/// stream, so the rest of the history is the same as before the answer was recorded.
fn concern_answer(date: Date) -> ConcernReport {
    match date.ordinal() % 10 {
        0..=6 => ConcernReport::Made,
        7 | 8 => ConcernReport::WillBeMade,
        _ => ConcernReport::NotMade,
    }
}

fn district(name: &str) -> District {
    District::new(name).expect("the demo uses valid district names")
}

struct Generator {
    rng: ChaCha8Rng,
    end: Date,
    codes: HashSet<String>,
}

impl Generator {
    /// A new, unique code: two initials and the birth year's last two digits.
    fn code(&mut self, birth_year: i32) -> String {
        let year = birth_year.rem_euclid(100);
        for letters in 2.. {
            for _ in 0..200 {
                let mut code = String::new();
                for _ in 0..letters {
                    code.push(pick(&mut self.rng, INITIALS));
                }
                code.push_str(&format!("{year:02}"));
                if self.codes.insert(code.clone()) {
                    return code;
                }
            }
        }
        unreachable!("some code length has a free code")
    }

    /// The code as a worker might type it: as is, in capitals, or with a space or a dash
    /// between letters and digits (the same person after normalisation).
    fn typed(&mut self, code: &str) -> String {
        let split = code
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(code.len());
        let (letters, digits) = code.split_at(split);
        match self.rng.gen_range(0..10) {
            0 => code.to_uppercase(),
            1 => format!("{letters} {digits}"),
            2 => format!("{}-{digits}", letters.to_uppercase()),
            _ => code.to_string(),
        }
    }

    fn birth_year(&mut self, role: Role, year: i32) -> i32 {
        let age = match role {
            Role::Sells if self.rng.gen_bool(0.03) => self.rng.gen_range(15..=17),
            Role::Sells => 18 + self.rng.gen_range(0..=12) + self.rng.gen_range(0..=14),
            Role::Buys => 22 + self.rng.gen_range(0..=20) + self.rng.gen_range(0..=20),
            _ => self.rng.gen_range(20..=60),
        };
        year - age
    }

    fn gender_and_counterpart(&mut self, role: Role) -> (Gender, Counterpart) {
        use Counterpart as C;
        use Gender as G;
        let gender = match role {
            Role::Sells => pick(
                &mut self.rng,
                &[
                    (G::Woman, 80),
                    (G::Man, 8),
                    (G::Trans, 10),
                    (G::Nonbinary, 2),
                ],
            ),
            Role::Buys => pick(
                &mut self.rng,
                &[(G::Man, 94), (G::Woman, 4), (G::Unknown, 2)],
            ),
            Role::Other => pick(
                &mut self.rng,
                &[(G::Woman, 50), (G::Man, 40), (G::Unknown, 10)],
            ),
            Role::Unknown => pick(
                &mut self.rng,
                &[(G::Unknown, 40), (G::Woman, 40), (G::Man, 20)],
            ),
        };
        let counterpart = match (role, gender) {
            (Role::Sells, G::Woman) => {
                pick(&mut self.rng, &[(C::Men, 92), (C::Both, 5), (C::Women, 3)])
            }
            (Role::Sells, G::Man) => pick(
                &mut self.rng,
                &[(C::Men, 70), (C::Women, 20), (C::Both, 10)],
            ),
            (Role::Sells, _) => pick(&mut self.rng, &[(C::Men, 85), (C::Both, 15)]),
            (Role::Buys, G::Man) => {
                pick(&mut self.rng, &[(C::Women, 90), (C::Men, 7), (C::Both, 3)])
            }
            (Role::Buys, G::Woman) => pick(&mut self.rng, &[(C::Men, 60), (C::Women, 40)]),
            (Role::Other, _) => pick(&mut self.rng, &[(C::Unknown, 70), (C::Men, 30)]),
            _ => C::Unknown,
        };
        (gender, counterpart)
    }

    /// How long a person stays in the milieu and in reach: mostly months, some for years.
    fn duration(&mut self) -> i64 {
        let r: f64 = self.rng.gen();
        if r < 0.55 {
            self.rng.gen_range(14..180)
        } else if r < 0.88 {
            self.rng.gen_range(180..730)
        } else {
            self.rng.gen_range(730..3000)
        }
    }

    /// A person met from `from` on (their active period is cut at the end date).
    #[allow(clippy::too_many_arguments)]
    fn person(
        &mut self,
        role: Role,
        gender: Gender,
        counterpart: Counterpart,
        channel: Channel,
        from: Date,
        to: Date,
        counselling: Option<Date>,
    ) -> Person {
        let birth_year = self.birth_year(role, from.year());
        let code = self.code(birth_year);
        let home = pick(&mut self.rng, STREET_DISTRICTS);
        let trafficked = role == Role::Sells && self.rng.gen_bool(0.08);
        // Buyers are met on the street less often than those who sell.
        let visit = self.rng.gen_range(0.08..0.32) * if role == Role::Buys { 0.4 } else { 1.0 };
        Person {
            code,
            role,
            gender,
            counterpart,
            birth_year,
            channel,
            home,
            from,
            to: to.min(self.end),
            trafficked,
            visit,
            counselling,
        }
    }

    fn channel(&mut self, year: i32) -> Channel {
        if self.rng.gen_bool(online_share(year)) {
            Channel::Online
        } else {
            Channel::Street
        }
    }

    /// The counselling cohort: each gets a first counselling date in the calibration period.
    fn cohort(&mut self) -> Vec<Person> {
        let (lo, hi) = calibration_period();
        let hi = hi.min(self.end);
        let mut out = Vec::new();
        if hi < lo {
            return out;
        }
        for g in COUNSELLING_COHORT {
            for _ in 0..g.persons {
                let first = weekday_in(&mut self.rng, lo, hi);
                let from = (first - Duration::days(self.rng.gen_range(0..400))).max(lo);
                let to = first + Duration::days(self.duration());
                let channel = self.channel(first.year());
                out.push(self.person(
                    g.role,
                    g.gender,
                    g.counterpart,
                    channel,
                    from,
                    to,
                    Some(first),
                ));
            }
        }
        out
    }

    /// Everyone else: a few new persons every week, more of them online after 2010.
    fn pool(&mut self) -> Vec<Person> {
        let mut out = Vec::new();
        let mut week = first_day();
        while week <= self.end {
            let year = week.year();
            // In the calibration years the counselling cohort adds about one person a week.
            let mut arrivals = if week <= calibration_period().1 {
                self.rng.gen_range(0..=2)
            } else {
                self.rng.gen_range(1..=3)
            };
            if year >= 2012 && self.rng.gen_bool(0.5) {
                arrivals += 1;
            }
            for _ in 0..arrivals {
                let from = day_in(
                    &mut self.rng,
                    week,
                    (week + Duration::days(6)).min(self.end),
                );
                let role = pick(
                    &mut self.rng,
                    &[
                        (Role::Sells, 70),
                        (Role::Buys, 18),
                        (Role::Other, 6),
                        (Role::Unknown, 6),
                    ],
                );
                let (gender, counterpart) = self.gender_and_counterpart(role);
                let channel = self.channel(year);
                let to = from + Duration::days(self.duration());
                out.push(self.person(role, gender, counterpart, channel, from, to, None));
            }
            week += Duration::days(7);
        }
        out
    }

    /// Street and online field nights every week, a police operation night every sixth week.
    fn nights(&mut self) -> Vec<DemoNight> {
        let start = first_day();
        let monday = start - Duration::days(i64::from(start.weekday().num_days_from_monday()));
        let mut out = Vec::new();
        for week in 0.. {
            let monday = monday + Duration::days(7 * week);
            if monday > self.end {
                break;
            }
            let street_day = self.rng.gen_range(2..=4);
            let street_district = pick(&mut self.rng, &STREET_DISTRICTS[..4]);
            let street_staff = self.rng.gen_range(2..=4);
            let online_staff = self.rng.gen_range(1..=2);
            let mut week_nights = vec![
                (1, FieldNightKind::Online, "online", online_staff),
                (
                    street_day,
                    FieldNightKind::Street,
                    street_district,
                    street_staff,
                ),
            ];
            if week % 6 == 5 {
                let d = pick(&mut self.rng, &[("norrmalm", 3), ("sodermalm", 1)]);
                week_nights.push((4, FieldNightKind::Police, d, 2));
            }
            for (day, kind, d, staff) in week_nights {
                let date = monday + Duration::days(day);
                if date < start || date > self.end {
                    continue;
                }
                out.push(DemoNight {
                    date,
                    details: FieldNightDetails {
                        kind,
                        district: district(d),
                        staff,
                        project: None,
                    },
                });
            }
        }
        out
    }

    fn referrals(&mut self, kind: ContactType, trafficking: bool) -> Referrals {
        let mut r = Referrals::none();
        let p = match kind {
            ContactType::Counselling => 0.35,
            ContactType::Medical => 0.5,
            ContactType::Police => 0.15,
            ContactType::Outreach => 0.08,
            _ => 0.05,
        };
        if self.rng.gen_bool(p) {
            let one = match kind {
                ContactType::Medical => Referral::Health,
                _ => pick(
                    &mut self.rng,
                    &[
                        (Referral::Health, 35),
                        (Referral::Addiction, 22),
                        (Referral::Housing, 15),
                        (Referral::Shelter, 8),
                        (Referral::Legal, 6),
                        (Referral::Migration, 4),
                        (Referral::Other, 10),
                    ],
                ),
            };
            r.insert(one);
            if kind == ContactType::Counselling && self.rng.gen_bool(0.2) {
                r.insert(Referral::Addiction);
            }
        }
        if trafficking && self.rng.gen_bool(0.6) {
            r.insert(pick(
                &mut self.rng,
                &[
                    (Referral::Police, 4),
                    (Referral::Migration, 2),
                    (Referral::Shelter, 3),
                    (Referral::Legal, 1),
                ],
            ));
        }
        r
    }

    fn note(&mut self, kind: ContactType, trafficking: bool, minor: bool) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if minor {
            parts.push(NOTE_UNDER18);
        }
        if trafficking && self.rng.gen_bool(0.7) {
            parts.push(one_of(&mut self.rng, NOTES_TRAFFICKING));
        }
        if parts.is_empty() && self.rng.gen_bool(0.35) {
            return String::new();
        }
        let pool = match kind {
            ContactType::Outreach => NOTES_STREET,
            ContactType::Online => NOTES_ONLINE,
            ContactType::Police => NOTES_POLICE,
            ContactType::Counselling => NOTES_COUNSELLING,
            ContactType::Medical => NOTES_MEDICAL,
            ContactType::Other => NOTES_OTHER,
        };
        parts.insert(0, one_of(&mut self.rng, pool));
        parts.join(" ")
    }

    /// A contact with a person of the pool.
    fn with_person(
        &mut self,
        p: &Person,
        date: Date,
        kind: ContactType,
        place: &str,
        night: Option<usize>,
    ) -> DemoContact {
        let chance = match (p.trafficked, kind) {
            (true, ContactType::Police) => 0.8,
            (true, _) => 0.5,
            (false, _) => 0.004,
        };
        let trafficking = self.rng.gen_bool(chance);
        let age_band = age_band(p.birth_year, date);
        let referrals = self.referrals(kind, trafficking);
        let note = self.note(kind, trafficking, age_band == AgeBand::Under18);
        DemoContact {
            date,
            code: Some(self.typed(&p.code)),
            attributes: Attributes {
                role: p.role,
                gender: p.gender,
                age_band,
                counterpart: p.counterpart,
                district: district(place),
                contact_type: kind,
                referrals,
                trafficking,
                concern: (age_band == AgeBand::Under18).then(|| concern_answer(date)),
                projects: crate::domain::ProjectSet::none(),
            },
            note,
            night,
        }
    }

    /// A contact with someone who gave no code.
    fn unidentified(
        &mut self,
        date: Date,
        kind: ContactType,
        place: &str,
        night: usize,
        role: Role,
    ) -> DemoContact {
        let (gender, counterpart) = self.gender_and_counterpart(role);
        let age_band = pick(
            &mut self.rng,
            &[
                (AgeBand::Unknown, 8),
                (AgeBand::From18To24, 4),
                (AgeBand::From25To34, 5),
                (AgeBand::From35To44, 3),
                (AgeBand::From45To54, 2),
                (AgeBand::From55, 1),
            ],
        );
        let trafficking = self.rng.gen_bool(0.02);
        let referrals = self.referrals(kind, trafficking);
        let note = self.note(kind, trafficking, false);
        DemoContact {
            date,
            code: None,
            attributes: Attributes {
                role,
                gender,
                age_band,
                counterpart,
                district: district(place),
                contact_type: kind,
                referrals,
                trafficking,
                concern: None,
                projects: crate::domain::ProjectSet::none(),
            },
            note,
            night: Some(night),
        }
    }

    /// The contacts of every field night, from the persons active that night.
    fn night_contacts(&mut self, persons: &[Person], nights: &[DemoNight]) -> Vec<DemoContact> {
        let mut order: Vec<usize> = (0..persons.len()).collect();
        order.sort_by_key(|&i| persons[i].from);
        let mut next = 0;
        let mut active: Vec<usize> = Vec::new();
        let mut out = Vec::new();
        for (n, night) in nights.iter().enumerate() {
            let date = night.date;
            while next < order.len() && persons[order[next]].from <= date {
                active.push(order[next]);
                next += 1;
            }
            active.retain(|&i| persons[i].to >= date);
            let year = date.year();
            let place = night.details.district.as_str();
            match night.details.kind {
                FieldNightKind::Street => {
                    let factor = street_factor(year);
                    for &i in &active {
                        let p = &persons[i];
                        if p.channel == Channel::Street && self.rng.gen_bool(p.visit * factor) {
                            out.push(self.with_person(
                                p,
                                date,
                                ContactType::Outreach,
                                place,
                                Some(n),
                            ));
                        }
                    }
                    for _ in 0..self.rng.gen_range(0..=3) {
                        let role = pick(
                            &mut self.rng,
                            &[(Role::Sells, 7), (Role::Buys, 2), (Role::Unknown, 1)],
                        );
                        out.push(self.unidentified(date, ContactType::Outreach, place, n, role));
                    }
                }
                FieldNightKind::Online => {
                    for &i in &active {
                        let p = &persons[i];
                        if p.channel == Channel::Online && self.rng.gen_bool(p.visit) {
                            out.push(self.with_person(
                                p,
                                date,
                                ContactType::Online,
                                place,
                                Some(n),
                            ));
                        }
                    }
                    let extra = if year >= 2010 { 3 } else { 1 };
                    for _ in 0..self.rng.gen_range(0..=extra) {
                        out.push(self.unidentified(
                            date,
                            ContactType::Online,
                            place,
                            n,
                            Role::Sells,
                        ));
                    }
                }
                FieldNightKind::Police => {
                    for &i in &active {
                        let p = &persons[i];
                        let chance = match p.role {
                            Role::Buys => 0.12,
                            Role::Sells if p.trafficked => 0.4,
                            Role::Sells => 0.04,
                            _ => 0.0,
                        };
                        if chance > 0.0 && self.rng.gen_bool(chance) {
                            out.push(self.with_person(
                                p,
                                date,
                                ContactType::Police,
                                place,
                                Some(n),
                            ));
                        }
                    }
                    for _ in 0..self.rng.gen_range(1..=3) {
                        out.push(self.unidentified(
                            date,
                            ContactType::Police,
                            place,
                            n,
                            Role::Buys,
                        ));
                    }
                }
            }
        }
        out
    }

    /// Daytime contacts: counselling series, medical advice, other errands.
    fn day_contacts(&mut self, persons: &[Person]) -> Vec<DemoContact> {
        let mut out = Vec::new();
        let open = open_counselling_from();
        for p in persons {
            let first = match p.counselling {
                Some(d) => Some(d),
                None if matches!(p.role, Role::Sells | Role::Buys | Role::Other)
                    && self.rng.gen_bool(0.12) =>
                {
                    let lo = weekday_from(p.from.max(open));
                    (lo <= p.to).then(|| weekday_in(&mut self.rng, lo, p.to.max(lo)))
                }
                None => None,
            };
            if let Some(mut d) = first {
                let sessions = 1 + self.rng.gen_range(0..=3) + self.rng.gen_range(0..=4);
                for _ in 0..sessions {
                    if d > self.end {
                        break;
                    }
                    out.push(self.with_person(p, d, ContactType::Counselling, p.home, None));
                    d = weekday_from(d + Duration::days(self.rng.gen_range(7..=21)));
                }
            }
            if p.role == Role::Sells && self.rng.gen_bool(0.25) {
                for _ in 0..self.rng.gen_range(1..=3) {
                    let d = weekday_from(day_in(&mut self.rng, p.from, p.to));
                    if d <= self.end {
                        out.push(self.with_person(p, d, ContactType::Medical, p.home, None));
                    }
                }
            }
            if p.role != Role::Unknown && self.rng.gen_bool(0.05) {
                let d = weekday_from(day_in(&mut self.rng, p.from, p.to));
                if d <= self.end {
                    out.push(self.with_person(p, d, ContactType::Other, p.home, None));
                }
            }
        }
        out
    }
}

/// Generates the demo data from 2004-01-01 to `end` (inclusive). The same seed and end give the
/// same data.
pub fn generate(seed: u64, end: Date) -> DemoData {
    let mut g = Generator {
        rng: ChaCha8Rng::seed_from_u64(seed),
        end,
        codes: HashSet::new(),
    };
    if end < first_day() {
        return DemoData {
            from: first_day(),
            to: end,
            nights: Vec::new(),
            contacts: Vec::new(),
            persons: 0,
        };
    }
    let mut persons = g.cohort();
    persons.extend(g.pool());
    let nights = g.nights();
    let mut contacts = g.night_contacts(&persons, &nights);
    contacts.extend(g.day_contacts(&persons));
    contacts.sort_by_key(|c| c.date);
    DemoData {
        from: first_day(),
        to: end,
        nights,
        contacts,
        persons: persons.len(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::domain::PersonCode;

    fn end() -> Date {
        NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
    }

    fn normalised(code: &str) -> String {
        String::from_utf8(PersonCode::normalise(code).unwrap().as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let a = generate(7, end());
        assert_eq!(a, generate(7, end()));
        let b = generate(8, end());
        assert_ne!(a.contacts, b.contacts);
        assert!(a.contacts.len() > 20_000 && a.contacts.len() < 80_000);
    }

    #[test]
    fn counselling_in_the_seed_period_is_exactly_the_cohort() {
        for seed in [DEFAULT_SEED, 1, 99] {
            let data = generate(seed, end());
            let (lo, hi) = calibration_period();
            let mut persons: HashMap<String, (Role, Gender, Counterpart)> = HashMap::new();
            for c in &data.contacts {
                let a = &c.attributes;
                if a.contact_type != ContactType::Counselling || c.date < lo || c.date > hi {
                    continue;
                }
                let code = c
                    .code
                    .as_deref()
                    .expect("counselling contacts are identified");
                persons.insert(normalised(code), (a.role, a.gender, a.counterpart));
            }
            assert_eq!(persons.len(), cohort_size());
            assert!((401..=419).contains(&persons.len()));
            let count = |r, g, cp| persons.values().filter(|&&k| k == (r, g, cp)).count();
            assert_eq!(count(Role::Sells, Gender::Man, Counterpart::Men), 7);
            assert_eq!(count(Role::Buys, Gender::Man, Counterpart::Women), 22);
            assert!(count(Role::Sells, Gender::Woman, Counterpart::Men) * 2 > persons.len());
        }
    }

    #[test]
    fn persons_keep_their_categories_and_age_forward() {
        let data = generate(DEFAULT_SEED, end());
        let mut seen: HashMap<String, (Role, Gender, Counterpart, AgeBand, Date)> = HashMap::new();
        let mut returning = 0;
        for c in &data.contacts {
            let Some(code) = &c.code else { continue };
            let code = normalised(code);
            let digits = code.chars().filter(|ch| ch.is_ascii_digit()).count();
            assert_eq!(digits, 2, "codes are letters and a two-digit year");
            assert!(code.ends_with(|ch: char| ch.is_ascii_digit()));
            let a = &c.attributes;
            if let Some(&(r, g, cp, band, date)) = seen.get(&code) {
                assert_eq!((r, g, cp), (a.role, a.gender, a.counterpart));
                assert!(date <= c.date && band <= a.age_band, "ages only forward");
                returning += 1;
            }
            seen.insert(code, (a.role, a.gender, a.counterpart, a.age_band, c.date));
        }
        assert!(
            returning > data.contacts.len() / 2,
            "most contacts are returns"
        );
        assert!(seen.len() <= data.persons);
        // Some persons are met over more than a year.
        let mut span: HashMap<String, (Date, Date)> = HashMap::new();
        for c in data.contacts.iter().filter(|c| c.code.is_some()) {
            let e = span
                .entry(normalised(c.code.as_deref().unwrap()))
                .or_insert((c.date, c.date));
            e.1 = c.date;
        }
        let long = span
            .values()
            .filter(|(a, b)| (*b - *a).num_days() > 365)
            .count();
        assert!(long > 100, "only {long} persons met over more than a year");
        assert!(data.contacts.iter().any(|c| c.code.is_none()));
    }

    #[test]
    fn contacts_belong_to_their_nights_and_the_period() {
        let data = generate(3, end());
        assert!(data.contacts.windows(2).all(|w| w[0].date <= w[1].date));
        for c in &data.contacts {
            assert!(c.date >= first_day() && c.date <= end());
            if let Some(n) = c.night {
                let night = &data.nights[n];
                assert_eq!(night.date, c.date);
                let expected = match night.details.kind {
                    FieldNightKind::Street => ContactType::Outreach,
                    FieldNightKind::Online => ContactType::Online,
                    FieldNightKind::Police => ContactType::Police,
                };
                assert_eq!(c.attributes.contact_type, expected);
                assert_eq!(c.attributes.district, night.details.district);
            } else {
                assert!(matches!(
                    c.attributes.contact_type,
                    ContactType::Counselling | ContactType::Medical | ContactType::Other
                ));
            }
        }
        let police: Vec<Date> = data
            .nights
            .iter()
            .filter(|n| n.details.kind == FieldNightKind::Police)
            .map(|n| n.date)
            .collect();
        assert!(police.len() > 150);
        assert!(police.windows(2).all(|w| (w[1] - w[0]).num_days() == 42));
        let weeks = (end() - first_day()).num_days() / 7;
        for kind in [FieldNightKind::Street, FieldNightKind::Online] {
            let n = data
                .nights
                .iter()
                .filter(|n| n.details.kind == kind)
                .count() as i64;
            assert!(
                (n - weeks).abs() <= 2,
                "{kind}: {n} nights in {weeks} weeks"
            );
        }
    }

    #[test]
    fn notes_hold_no_identifiers() {
        let data = generate(11, end());
        let mut distinct = HashSet::new();
        for c in &data.contacts {
            assert!(
                crate::pii::find_identifiers(&c.note).is_empty(),
                "a demo note looks like it holds an identifier"
            );
            distinct.insert(c.note.as_str());
        }
        assert!(distinct.len() > 30);
        for list in [
            NOTES_STREET,
            NOTES_ONLINE,
            NOTES_POLICE,
            NOTES_COUNSELLING,
            NOTES_MEDICAL,
            NOTES_OTHER,
            NOTES_TRAFFICKING,
            &[NOTE_UNDER18],
        ] {
            for note in list {
                assert!(crate::pii::find_identifiers(note).is_empty());
                assert!(!note.chars().any(|c| c.is_ascii_digit() || c == '@'));
            }
        }
    }

    #[test]
    fn online_rises_and_trafficking_is_a_few_percent() {
        let data = generate(DEFAULT_SEED, end());
        let split = open_counselling_from();
        let share = |after: bool| {
            let street_or_online: Vec<_> = data
                .contacts
                .iter()
                .filter(|c| (c.date >= split) == after)
                .filter(|c| {
                    matches!(
                        c.attributes.contact_type,
                        ContactType::Outreach | ContactType::Online
                    )
                })
                .collect();
            let online = street_or_online
                .iter()
                .filter(|c| c.attributes.contact_type == ContactType::Online)
                .count();
            online as f64 / street_or_online.len() as f64
        };
        assert!(share(true) > share(false) + 0.1);
        let trafficking = data
            .contacts
            .iter()
            .filter(|c| c.attributes.trafficking)
            .count() as f64
            / data.contacts.len() as f64;
        assert!((0.01..0.10).contains(&trafficking), "{trafficking}");
        let referred = data
            .contacts
            .iter()
            .filter(|c| !c.attributes.referrals.is_empty())
            .count();
        assert!(referred > 0 && referred < data.contacts.len() / 2);
        assert!(data
            .contacts
            .iter()
            .any(|c| c.attributes.age_band == AgeBand::Under18));
    }

    #[test]
    fn a_short_period_stays_within_it() {
        let data = generate(5, NaiveDate::from_ymd_opt(2006, 3, 15).unwrap());
        assert!(data.contacts.iter().all(|c| c.date <= data.to));
        assert!(data.nights.iter().all(|n| n.date <= data.to));
        assert!(!data.contacts.is_empty());
        let early = generate(5, NaiveDate::from_ymd_opt(2003, 1, 1).unwrap());
        assert!(early.contacts.is_empty() && early.nights.is_empty());
    }
}
