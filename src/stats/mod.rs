//! Statistics (CONTRACT.md, "Statistics"): a pure computation from decrypted contacts to
//! figures, separate from how they are printed (`render`).
//!
//! The vault (`Vault::stats`) feeds every contact of the period to each [`StatsSink`] (an
//! [`Accumulator`] per query, the estimate's [`estimate::Occasions`]); each keeps to its
//! [`Selection`] (period and filters). The accumulator, given every person's first contact date
//! (all time), produces a [`StatsResult`].

pub mod attack;
pub mod cellkey;
pub mod estimate;
mod flags;
pub mod overview;
pub mod publish;
pub mod render;

use crate::msg::{FilterProblem, ValueWhy};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use crate::domain::{
    AgeBand, Attributes, ConcernReport, ContactType, Counterpart, Date, Districts, Gender, Lists,
    Referral, Role,
};

/// Declares the dimensions once: the enum, [`Dimension::ALL`] (its length counted from the
/// list, so the grouping key can never be shorter than the dimensions) and the one spelling
/// of each.
macro_rules! dimensions {
    ($($variant:ident : $text:literal),+ $(,)?) => {
        /// A dimension to group or filter by.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Dimension { $($variant),+ }

        impl Dimension {
            /// Every dimension, in the documented order.
            pub const ALL: [Dimension; [$($text),+].len()] = [$(Dimension::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Dimension::$variant => $text),+ }
            }
        }
    };
}

dimensions! {
    Role: "role",
    Gender: "gender",
    AgeBand: "age_band",
    Counterpart: "counterpart",
    District: "district",
    ContactType: "contact_type",
    Referral: "referral",
    Trafficking: "trafficking",
    Concern: "concern",
    Project: "project",
    Unit: "unit",
    Year: "year",
    Month: "month",
}

impl Dimension {
    /// Whether the dimension is a time (year, month) rather than a category.
    pub fn is_time(self) -> bool {
        matches!(self, Dimension::Year | Dimension::Month)
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dimension {
    type Err = FilterProblem;
    fn from_str(s: &str) -> Result<Self, FilterProblem> {
        Dimension::ALL
            .iter()
            .copied()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| FilterProblem::NotADimension(s.to_string()))
    }
}

/// The code standing for a referral-less contact in the referral dimension.
const NO_REFERRAL: u32 = 8;

/// The code standing for a contact without an under-18 answer in the concern dimension (any
/// other age band, or an under-18 contact of an older version): listed first, as `none`.
const NO_CONCERN: u32 = 0;

/// A dimension value as a small number: stable, cheap to hash, and ordered as it should be
/// listed (category order, district list order, chronological).
/// `districts` is needed for the district dimension only (without it a district has no code).
fn value_code(
    dim: Dimension,
    a: &Attributes,
    unit: u32,
    date: u32,
    districts: Option<&Districts>,
) -> u32 {
    match dim {
        Dimension::Unit => unit,
        Dimension::Role => u32::from(a.role.code()),
        Dimension::Gender => u32::from(a.gender.code()),
        Dimension::AgeBand => u32::from(a.age_band.code()),
        Dimension::Counterpart => u32::from(a.counterpart.code()),
        Dimension::District => districts
            .and_then(|ds| ds.all().iter().position(|d| *d == a.district))
            .map(|i| i as u32)
            .unwrap_or(u32::MAX),
        Dimension::ContactType => u32::from(a.contact_type.code()),
        Dimension::Trafficking => u32::from(a.trafficking),
        Dimension::Concern => a.concern().map_or(NO_CONCERN, |c| u32::from(c.code())),
        Dimension::Year => date / 10_000,
        Dimension::Month => date / 100,
        Dimension::Referral | Dimension::Project => {
            unreachable!("{dim} has several values per contact")
        }
    }
}

/// The code of "no project" (project ids start at 1).
const NO_PROJECT: u32 = 0;

/// Whether a contact has several values of the dimension (none, one or more): referrals,
/// projects. A contact counts once under each of its values.
pub fn is_multi_valued(dim: Dimension) -> bool {
    matches!(dim, Dimension::Referral | Dimension::Project)
}

/// A value of a dimension (its one spelling, as in CSV and JSON) as a person reads it in
/// `lang`: `sells` is "säljer" in Swedish, `hagersten-alvsjo` is "Hägersten-Älvsjö". Years and
/// months, and anything that is not a value, stay as they are.
pub fn value_label(dim: Dimension, value: &str, lang: crate::i18n::Lang) -> String {
    use crate::i18n::Lang;
    fn cat<T: FromStr>(value: &str, label: impl Fn(T) -> &'static str) -> Option<String> {
        value.parse::<T>().ok().map(|v| label(v).to_string())
    }
    let none = || {
        match lang {
            Lang::En => "none",
            Lang::Sv => "ingen",
        }
        .to_string()
    };
    let out = match dim {
        Dimension::Role => cat(value, |v: Role| v.label(lang)),
        Dimension::Gender => cat(value, |v: Gender| v.label(lang)),
        Dimension::AgeBand => cat(value, |v: AgeBand| v.label(lang)),
        Dimension::Counterpart => cat(value, |v: Counterpart| v.label(lang)),
        Dimension::ContactType => cat(value, |v: ContactType| v.label(lang)),
        Dimension::Referral if value == "none" => Some(none()),
        Dimension::Referral => cat(value, |v: Referral| v.label(lang)),
        Dimension::Concern if value == "none" => Some(
            match lang {
                Lang::En => "no answer",
                Lang::Sv => "inget svar",
            }
            .to_string(),
        ),
        Dimension::Concern => cat(value, |v: ConcernReport| v.label(lang)),
        Dimension::Project if value == "none" => Some(
            match lang {
                Lang::En => "no project",
                Lang::Sv => "inget projekt",
            }
            .to_string(),
        ),
        Dimension::Trafficking => crate::domain::parse_yes_no(value)
            .ok()
            .map(|b| crate::domain::yes_no_label(b, lang).to_string()),
        Dimension::District => crate::domain::District::new(value)
            .ok()
            .map(|d| d.label(lang)),
        // A project, a unit is called by its name in every language.
        Dimension::Project | Dimension::Unit | Dimension::Year | Dimension::Month => None,
    };
    out.unwrap_or_else(|| value.to_string())
}

/// The text of a value code.
fn value_text(dim: Dimension, code: u32, lists: Lists<'_>) -> String {
    let districts = lists.districts;
    let cat = |s: Option<&'static str>| s.unwrap_or("?").to_string();
    match dim {
        Dimension::Role => cat(Role::from_code(code as u8).map(|v| v.as_str())),
        Dimension::Gender => cat(Gender::from_code(code as u8).map(|v| v.as_str())),
        Dimension::AgeBand => cat(AgeBand::from_code(code as u8).map(|v| v.as_str())),
        Dimension::Counterpart => cat(Counterpart::from_code(code as u8).map(|v| v.as_str())),
        Dimension::ContactType => cat(ContactType::from_code(code as u8).map(|v| v.as_str())),
        Dimension::District => districts
            .all()
            .get(code as usize)
            .map(|d| d.as_str().to_string())
            .unwrap_or_else(|| "?".into()),
        Dimension::Referral if code == NO_REFERRAL => "none".into(),
        Dimension::Referral => cat(Referral::from_code(code as u8).map(|v| v.as_str())),
        Dimension::Trafficking => crate::domain::yes_no(code == 1).into(),
        Dimension::Concern if code == NO_CONCERN => "none".into(),
        Dimension::Concern => cat(ConcernReport::from_code(code as u8).map(|v| v.as_str())),
        Dimension::Project if code == NO_PROJECT => "none".into(),
        Dimension::Project => match lists.projects.by_id(i64::from(code)) {
            Some(p) => p.details.name.to_string(),
            None => format!("#{code}"),
        },
        Dimension::Unit => match lists.units.name(i64::from(code)) {
            Some(name) => name.to_string(),
            None => code.to_string(),
        },
        Dimension::Year => format!("{code:04}"),
        Dimension::Month => format!("{:04}-{:02}", code / 100, code % 100),
    }
}

/// Parses a filter value of a dimension into its code.
fn parse_value(dim: Dimension, s: &str, lists: Lists<'_>) -> Result<u32, FilterProblem> {
    let districts = lists.districts;
    fn cat<T: FromStr<Err = crate::domain::InvalidValue>>(
        s: &str,
        code: impl Fn(T) -> u8,
    ) -> Result<u32, ValueWhy> {
        s.parse::<T>()
            .map(|v| u32::from(code(v)))
            .map_err(ValueWhy::Expected)
    }
    let or_none = |w: ValueWhy| match w {
        ValueWhy::Expected(e) => ValueWhy::ExpectedOrNone(e),
        w => w,
    };
    let r = match dim {
        Dimension::Role => cat::<Role>(s, |v| v.code()),
        Dimension::Gender => cat::<Gender>(s, |v| v.code()),
        Dimension::AgeBand => cat::<AgeBand>(s, |v| v.code()),
        Dimension::Counterpart => cat::<Counterpart>(s, |v| v.code()),
        Dimension::ContactType => cat::<ContactType>(s, |v| v.code()),
        Dimension::Referral if s == "none" => Ok(NO_REFERRAL),
        Dimension::Referral => cat::<Referral>(s, |v| v.code()).map_err(or_none),
        Dimension::District => districts
            .parse(s)
            .map(|d| value_code(Dimension::District, &dummy_with(d), 0, 0, Some(districts)))
            .map_err(ValueWhy::Expected),
        Dimension::Trafficking => crate::domain::parse_yes_no(s)
            .map(u32::from)
            .map_err(ValueWhy::Expected),
        Dimension::Concern if s == "none" => Ok(NO_CONCERN),
        Dimension::Concern => cat::<ConcernReport>(s, |v| v.code()).map_err(or_none),
        Dimension::Project if s == "none" => Ok(NO_PROJECT),
        Dimension::Project => lists
            .projects
            .by_name(s)
            .and_then(|p| u32::try_from(p.id).ok())
            .ok_or(ValueWhy::Project),
        Dimension::Unit => lists
            .units
            .by_name(s)
            .and_then(|u| u32::try_from(u).ok())
            .ok_or(ValueWhy::Unit),
        Dimension::Year => crate::domain::parse_date(&format!("{s}-01-01"))
            .map(|_| s.parse::<u32>().unwrap_or(0))
            .map_err(|_| ValueWhy::Year),
        Dimension::Month => crate::domain::parse_date(&format!("{s}-01"))
            .map(|d| date_code(&d.format("%Y-%m-%d").to_string()) / 100)
            .map_err(|_| ValueWhy::Month),
    };
    r.map_err(|why| FilterProblem::NotAValue {
        value: s.to_string(),
        dimension: dim.as_str(),
        why,
    })
}

fn dummy_with(district: crate::domain::District) -> Attributes {
    Attributes {
        role: Role::Unknown,
        gender: Gender::Unknown,
        age_band: AgeBand::Unknown,
        counterpart: Counterpart::Unknown,
        district,
        contact_type: ContactType::Other,
        referrals: crate::domain::Referrals::none(),
        trafficking: false,
        concern: None,
        projects: crate::domain::ProjectSet::none(),
    }
}

/// `YYYY-MM-DD` as the number YYYYMMDD (0 for anything else).
pub fn date_code(s: &str) -> u32 {
    crate::domain::date_number(s)
}

/// `--filter DIM=V1,V2`: a contact passes if its value (or one of its referrals) is listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub dimension: Dimension,
    codes: Vec<u32>,
}

impl Filter {
    /// Parses `DIM=V1,V2`, checking every value.
    pub fn parse<'a>(s: &str, lists: impl Into<Lists<'a>>) -> Result<Filter, FilterProblem> {
        let lists = lists.into();
        let (dim, values) = s
            .split_once('=')
            .ok_or_else(|| FilterProblem::NotAFilter(s.to_string()))?;
        let dimension: Dimension = dim.trim().parse()?;
        let codes = values
            .split(',')
            .map(|v| parse_value(dimension, v.trim(), lists))
            .collect::<Result<Vec<_>, _>>()?;
        if codes.is_empty() {
            return Err(FilterProblem::NoValue(s.to_string()));
        }
        Ok(Filter { dimension, codes })
    }

    /// The contacts of one project (a funder's report): by its id, since a name may hold a
    /// `,`.
    pub fn project(id: i64) -> Filter {
        Filter {
            dimension: Dimension::Project,
            codes: vec![u32::try_from(id).unwrap_or(u32::MAX)],
        }
    }

    /// The codes of the values the filter lets pass.
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The contacts of one unit (a unit's own figures, in a database of several).
    pub fn unit(unit: u32) -> Filter {
        Filter {
            dimension: Dimension::Unit,
            codes: vec![unit],
        }
    }

    /// The filter as `DIM=V1,V2` (what [`Filter::parse`] reads).
    /// Whether one contact could pass both filters: always, unless they filter the same
    /// dimension of one value per contact to values they do not share (referrals and projects
    /// are several per contact, so two such filters may always meet).
    pub fn may_meet(&self, other: &Filter) -> bool {
        self.dimension != other.dimension
            || matches!(self.dimension, Dimension::Referral | Dimension::Project)
            || self.codes.iter().any(|c| other.codes.contains(c))
    }

    /// The filter as codes, whatever order its values were given in (`role=1,2`): two filters
    /// select the same contacts when these are equal.
    pub fn canonical(&self) -> String {
        let mut codes = self.codes.clone();
        codes.sort_unstable();
        codes.dedup();
        let codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        format!("{}={}", self.dimension.as_str(), codes.join(","))
    }

    pub fn describe<'a>(&self, lists: impl Into<Lists<'a>>) -> String {
        let lists = lists.into();
        let values: Vec<String> = self
            .codes
            .iter()
            .map(|c| value_text(self.dimension, *c, lists))
            .collect();
        format!("{}={}", self.dimension.as_str(), values.join(","))
    }
}

impl Query {
    /// What the log records of a query: its period and grouping in the clear
    /// (`from=D to=D by=DIM+DIM`), and its filters apart (`DIM=V,V DIM=V`), since they hold
    /// category values.
    pub fn log_parts<'a>(&self, lists: impl Into<Lists<'a>>) -> (String, Option<String>) {
        let lists = lists.into();
        let day = |d: &Option<Date>| {
            d.map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "-".into())
        };
        let by: Vec<&str> = self.by.iter().map(|d| d.as_str()).collect();
        let clear = format!(
            "from={} to={} by={}",
            day(&self.from),
            day(&self.to),
            if by.is_empty() {
                "-".to_string()
            } else {
                by.join("+")
            }
        );
        let filters = (!self.filters.is_empty()).then(|| {
            self.filters
                .iter()
                .map(|f| f.describe(lists))
                .collect::<Vec<_>>()
                .join(" ")
        });
        (clear, filters)
    }
}

/// What to compute.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub by: Vec<Dimension>,
    pub filters: Vec<Filter>,
}

impl Query {
    /// Whether the query groups or filters by `dim`.
    pub fn names(&self, dim: Dimension) -> bool {
        self.by.contains(&dim) || self.filters.iter().any(|f| f.dimension == dim)
    }
}

/// The four counted figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Figures {
    pub contacts: u64,
    pub individuals: u64,
    pub new_individuals: u64,
    pub unidentified_contacts: u64,
}

/// The cell keys of the four figures (the cell key method, docs/statistics.md): each the sum
/// of the record keys of what the figure counts (contacts, persons, new persons, contacts
/// without a person), modulo 2^32, so a fraction of 2^32 in `[0, 1)`. The same set of records
/// gives the same cell key in every table and every run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CellKeys {
    pub contacts: u32,
    pub individuals: u32,
    pub new_individuals: u32,
    pub unidentified_contacts: u32,
}

/// One group of a `--by` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group's value of each `by` dimension, in the order asked.
    pub key: Vec<String>,
    pub figures: Figures,
    /// The group's cell keys (all zero when the run was not asked for them).
    pub keys: CellKeys,
}

/// The result of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsResult {
    /// The period asked for, or where a bound was not given the first or last contact date.
    pub from: Option<String>,
    pub to: Option<String>,
    pub totals: Figures,
    pub field_nights: u64,
    pub by: Vec<Dimension>,
    /// Present when `by` is not empty: one per combination that has contacts.
    pub groups: Vec<Group>,
    /// The totals' cell keys (all zero when the run was not asked for them).
    pub keys: CellKeys,
}

/// A hasher for person ids: they are small integers assigned by uppsok, not chosen by anyone
/// who could aim for collisions, so one multiplication spreads them well enough.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_i64(&mut self, n: i64) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IdSet = HashSet<i64, std::hash::BuildHasherDefault<IdHasher>>;

#[derive(Default)]
struct Tally {
    contacts: u64,
    unidentified: u64,
    persons: IdSet,
    /// The wrapping sums of the record keys of the contacts counted, and of those without a
    /// person (zero when none are fed).
    contact_keys: u32,
    unidentified_keys: u32,
}

/// The longest grouping key: one value per dimension. Derived from [`Dimension::ALL`], so a new
/// dimension lengthens the key with it.
const MAX_DIMS: usize = Dimension::ALL.len();
type Key = [u32; MAX_DIMS];

/// The date as the number YYYYMMDD, or `default` when open.
fn day_of(d: Option<Date>, default: u32) -> u32 {
    d.map(|d| date_code(&d.format("%Y-%m-%d").to_string()))
        .unwrap_or(default)
}

/// One test a contact must pass.
#[derive(Debug, Clone)]
enum Test {
    /// Its value of a dimension (not referral or district) is one of these codes.
    Codes(Dimension, Vec<u32>),
    /// Its district is one of these.
    Districts(Vec<crate::domain::District>),
}

/// A contact's values of the dimensions that have several per contact (referrals, projects),
/// as codes: "none" when it has none, and kept to those the filters name. Filled by
/// [`Selection::admits`].
#[derive(Debug, Clone, Default)]
pub struct Multi {
    referrals: Vec<u32>,
    projects: Vec<u32>,
}

impl Multi {
    fn of(&self, dim: Dimension) -> &[u32] {
        match dim {
            Dimension::Project => &self.projects,
            _ => &self.referrals,
        }
    }

    fn of_mut(&mut self, dim: Dimension) -> &mut Vec<u32> {
        match dim {
            Dimension::Project => &mut self.projects,
            _ => &mut self.referrals,
        }
    }
}

/// Which contacts a query counts: its period and its filters. Every consumer of the contact
/// stream (the [`Accumulator`], the estimate's [`estimate::Occasions`]) selects with this one
/// type, so they cannot disagree about which contacts a query means.
#[derive(Debug, Clone)]
pub struct Selection {
    from: Option<Date>,
    to: Option<Date>,
    /// The period as YYYYMMDD, open ends as 0 and `u32::MAX`.
    first_day: u32,
    last_day: u32,
    /// Filters of the dimensions with one value per contact, ANDed.
    tests: Vec<Test>,
    /// Filters of the dimensions with several (referral, project): a contact must meet each
    /// with one of its values (or none).
    multi_filters: Vec<(Dimension, Vec<u32>)>,
}

impl Selection {
    /// The selection of a query (its `by` plays no part).
    pub fn new<'a>(query: &Query, lists: impl Into<Lists<'a>>) -> Self {
        let lists = lists.into();
        let mut tests = Vec::new();
        let mut multi_filters = Vec::new();
        for f in &query.filters {
            match f.dimension {
                d if is_multi_valued(d) => multi_filters.push((d, f.codes.clone())),
                Dimension::District => tests.push(Test::Districts(
                    f.codes
                        .iter()
                        .filter_map(|&c| lists.districts.all().get(c as usize).cloned())
                        .collect(),
                )),
                d => tests.push(Test::Codes(d, f.codes.clone())),
            }
        }
        Selection {
            from: query.from,
            to: query.to,
            first_day: day_of(query.from, 0),
            last_day: day_of(query.to, u32::MAX),
            tests,
            multi_filters,
        }
    }

    /// The first day of the period, if bounded.
    pub fn from(&self) -> Option<Date> {
        self.from
    }

    /// The last day of the period, if bounded.
    pub fn to(&self) -> Option<Date> {
        self.to
    }

    /// Whether a contact of `day` (YYYYMMDD, see [`date_code`]) is selected. `multi` is filled
    /// with the contact's referral and project codes (the code for "none" when it has none),
    /// each kept to those the filters of its dimension name, for grouping by them.
    pub fn admits(&self, day: u32, a: &Attributes, multi: &mut Multi) -> bool {
        self.admits_in(day, a, FIRST_UNIT_CODE, multi)
    }

    /// [`Selection::admits`] for a contact of one unit (the unit of the user who logged it).
    pub fn admits_in(&self, day: u32, a: &Attributes, unit: u32, multi: &mut Multi) -> bool {
        if day < self.first_day || day > self.last_day {
            return false;
        }
        for t in &self.tests {
            let pass = match t {
                Test::Codes(dim, codes) => codes.contains(&value_code(*dim, a, unit, day, None)),
                Test::Districts(names) => names.contains(&a.district),
            };
            if !pass {
                return false;
            }
        }
        multi.referrals.clear();
        if a.referrals.is_empty() {
            multi.referrals.push(NO_REFERRAL);
        } else {
            multi
                .referrals
                .extend(a.referrals.iter().map(|r| u32::from(r.code())));
        }
        multi.projects.clear();
        if a.projects.is_empty() {
            multi.projects.push(NO_PROJECT);
        } else {
            multi.projects.extend(a.projects.ids().map(|id| id as u32));
        }
        // Every filter must be met (filters AND together, like any other dimension's); the
        // values are then limited to those the filters of their dimension name.
        for (dim, codes) in &self.multi_filters {
            if !multi.of(*dim).iter().any(|c| codes.contains(c)) {
                return false;
            }
        }
        for dim in [Dimension::Referral, Dimension::Project] {
            let named: Vec<&Vec<u32>> = self
                .multi_filters
                .iter()
                .filter(|(d, _)| *d == dim)
                .map(|(_, c)| c)
                .collect();
            if !named.is_empty() {
                multi
                    .of_mut(dim)
                    .retain(|c| named.iter().any(|f| f.contains(c)));
            }
        }
        true
    }
}

/// The smallest period covering every selection: where any is open at an end, so is this.
pub fn covering<'s>(
    selections: impl IntoIterator<Item = &'s Selection>,
) -> (Option<Date>, Option<Date>) {
    let mut from: Option<Option<Date>> = None;
    let mut to: Option<Option<Date>> = None;
    for s in selections {
        from = Some(match from {
            None => s.from,
            Some(f) => f.zip(s.from).map(|(a, b)| a.min(b)),
        });
        to = Some(match to {
            None => s.to,
            Some(t) => t.zip(s.to).map(|(a, b)| a.max(b)),
        });
    }
    (from.flatten(), to.flatten())
}

/// Something fed the decrypted contact stream: an [`Accumulator`] counting a query, or the
/// estimate's [`estimate::Occasions`]. Whoever reads the contacts reads every day of each
/// sink's [`Selection`] (see [`covering`]) and feeds each contact to every sink; the sink
/// itself keeps to its selection.
pub trait StatsSink {
    /// The contacts this sink counts.
    fn selection(&self) -> &Selection;
    /// Feeds one contact of a unit (the unit of the user who logged it), with its record key
    /// (the cell key method; a sink that needs no keys ignores it). `date` is `YYYY-MM-DD`;
    /// `person` is the (merged) person, if any.
    fn add_in(
        &mut self,
        date: &str,
        person: Option<i64>,
        unit: u32,
        attributes: &Attributes,
        contact_key: u32,
    );
    /// Feeds one contact of the first unit.
    fn add(&mut self, date: &str, person: Option<i64>, attributes: &Attributes) {
        self.add_in(date, person, FIRST_UNIT_CODE, attributes, 0);
    }
}

/// The first unit's number as a statistics code: the unit of every contact in a database of
/// one unit.
pub const FIRST_UNIT_CODE: u32 = crate::domain::FIRST_UNIT as u32;

/// Counts contacts as they are fed in.
pub struct Accumulator<'a> {
    query: &'a Query,
    lists: Lists<'a>,
    selection: Selection,
    total: Tally,
    groups: HashMap<Key, Tally>,
    /// Where in the grouping key the dimensions with several values per contact go.
    multi_pos: Vec<(usize, Dimension)>,
    scratch: Multi,
}

impl<'a> Accumulator<'a> {
    /// An accumulator for a query. Its `by` names each dimension at most once (as `--by`
    /// checks), so the grouping key has room for every one.
    pub fn new(query: &'a Query, lists: impl Into<Lists<'a>>) -> Self {
        let lists = lists.into();
        assert!(
            query.by.len() <= MAX_DIMS,
            "a query groups by each dimension at most once"
        );
        Accumulator {
            query,
            lists,
            selection: Selection::new(query, lists),
            total: Tally::default(),
            groups: HashMap::new(),
            multi_pos: query
                .by
                .iter()
                .enumerate()
                .filter(|(_, d)| is_multi_valued(**d))
                .map(|(i, d)| (i, *d))
                .collect(),
            scratch: Multi::default(),
        }
    }

    /// Feeds one contact. `date` is `YYYY-MM-DD`; `person` is the (merged) person, if any.
    pub fn add(&mut self, date: &str, person: Option<i64>, a: &Attributes) {
        self.add_keyed(date, person, a, 0);
    }

    /// Feeds one contact with its record key (`crypto::RecordKeys::contact` of its id): the
    /// contact's key is added to the cell key of the total and of every group it counts in
    /// (each referral's and project's, for a contact with several). See
    /// [`Accumulator::finish_keyed`].
    pub fn add_keyed(&mut self, date: &str, person: Option<i64>, a: &Attributes, contact_key: u32) {
        self.add_in(date, person, FIRST_UNIT_CODE, a, contact_key);
    }

    /// [`Accumulator::add_keyed`] for a contact of one unit.
    pub fn add_in(
        &mut self,
        date: &str,
        person: Option<i64>,
        unit: u32,
        a: &Attributes,
        contact_key: u32,
    ) {
        let day = date_code(date);
        if !self.selection.admits_in(day, a, unit, &mut self.scratch) {
            return;
        }
        tally(&mut self.total, person, contact_key);
        if self.query.by.is_empty() {
            return;
        }
        let mut key: Key = [0; MAX_DIMS];
        for (i, dim) in self.query.by.iter().enumerate() {
            if !is_multi_valued(*dim) {
                key[i] = value_code(*dim, a, unit, day, Some(self.lists.districts));
            }
        }
        // Once under each combination of the contact's values of the dimensions that have
        // several (each referral, each project).
        let multi: Vec<(usize, &[u32])> = self
            .multi_pos
            .iter()
            .map(|(pos, dim)| (*pos, self.scratch.of(*dim)))
            .collect();
        let groups = &mut self.groups;
        each_key(&mut key, &multi, &mut |k| {
            tally(groups.entry(*k).or_default(), person, contact_key)
        });
    }

    /// The figures. `first_contacts` holds every person's first contact date (all time, any
    /// type, as YYYYMMDD via [`date_code`]); `range` is the first and last contact date in the
    /// database, for the bounds not given. Every cell key is zero.
    pub fn finish(
        self,
        first_contacts: &HashMap<i64, u32>,
        field_nights: u64,
        range: Option<(String, String)>,
    ) -> StatsResult {
        self.finish_with(first_contacts, field_nights, range, None)
    }

    /// [`Accumulator::finish`] with the cell keys of every figure, for an accumulator fed with
    /// [`Accumulator::add_keyed`]: contacts and contacts without a person sum the contacts'
    /// record keys; individuals and new individuals sum `person_key` (the record key of a
    /// merged person, by its id) over the cell's persons. Sums wrap modulo 2^32.
    pub fn finish_keyed(
        self,
        first_contacts: &HashMap<i64, u32>,
        field_nights: u64,
        range: Option<(String, String)>,
        person_key: &dyn Fn(i64) -> u32,
    ) -> StatsResult {
        self.finish_with(first_contacts, field_nights, range, Some(person_key))
    }

    fn finish_with(
        self,
        first_contacts: &HashMap<i64, u32>,
        field_nights: u64,
        range: Option<(String, String)>,
        person_key: Option<&dyn Fn(i64) -> u32>,
    ) -> StatsResult {
        let (from, to) = (self.selection.first_day, self.selection.last_day);
        let is_new = |p: &i64, lo: u32, hi: u32| {
            first_contacts
                .get(p)
                .is_some_and(|&d| d >= lo.max(from) && d <= hi.min(to))
        };
        let figures = |t: &Tally, lo: u32, hi: u32| Figures {
            contacts: t.contacts,
            individuals: t.persons.len() as u64,
            new_individuals: t.persons.iter().filter(|p| is_new(p, lo, hi)).count() as u64,
            unidentified_contacts: t.unidentified,
        };
        let cell_keys = |t: &Tally, lo: u32, hi: u32| match person_key {
            None => CellKeys::default(),
            Some(key) => {
                let (mut individuals, mut new_individuals) = (0u32, 0u32);
                for p in &t.persons {
                    let k = key(*p);
                    individuals = individuals.wrapping_add(k);
                    if is_new(p, lo, hi) {
                        new_individuals = new_individuals.wrapping_add(k);
                    }
                }
                CellKeys {
                    contacts: t.contact_keys,
                    individuals,
                    new_individuals,
                    unidentified_contacts: t.unidentified_keys,
                }
            }
        };
        let totals = figures(&self.total, 0, u32::MAX);
        let total_keys = cell_keys(&self.total, 0, u32::MAX);
        let by = self.query.by.clone();
        let mut keyed: Vec<(Key, Tally)> = self.groups.into_iter().collect();
        keyed.sort_unstable_by_key(|(k, _)| *k);
        let groups = keyed
            .iter()
            .map(|(key, t)| {
                // New individuals of a year or month group: first contact in that year/month.
                let (mut lo, mut hi) = (0u32, u32::MAX);
                for (i, dim) in by.iter().enumerate() {
                    match dim {
                        Dimension::Year => {
                            lo = lo.max(key[i] * 10_000);
                            hi = hi.min(key[i] * 10_000 + 9999);
                        }
                        Dimension::Month => {
                            lo = lo.max(key[i] * 100);
                            hi = hi.min(key[i] * 100 + 99);
                        }
                        _ => {}
                    }
                }
                Group {
                    key: by
                        .iter()
                        .enumerate()
                        .map(|(i, d)| value_text(*d, key[i], self.lists))
                        .collect(),
                    figures: figures(t, lo, hi),
                    keys: cell_keys(t, lo, hi),
                }
            })
            .collect();
        let fmt = |d: Option<Date>| d.map(|d| d.format("%Y-%m-%d").to_string());
        let (first, last) = match range {
            Some((a, b)) => (Some(a), Some(b)),
            None => (None, None),
        };
        StatsResult {
            from: fmt(self.query.from).or(first),
            to: fmt(self.query.to).or(last),
            totals,
            field_nights,
            by,
            groups,
            keys: total_keys,
        }
    }
}

impl StatsSink for Accumulator<'_> {
    fn selection(&self) -> &Selection {
        &self.selection
    }
    fn add_in(
        &mut self,
        date: &str,
        person: Option<i64>,
        unit: u32,
        a: &Attributes,
        contact_key: u32,
    ) {
        Accumulator::add_in(self, date, person, unit, a, contact_key);
    }
}

/// Calls `f` with `key` completed by every combination of the values in `multi` (each at its
/// position).
fn each_key(key: &mut Key, multi: &[(usize, &[u32])], f: &mut dyn FnMut(&Key)) {
    match multi.split_first() {
        None => f(key),
        Some(((pos, values), rest)) => {
            for &v in *values {
                key[*pos] = v;
                each_key(key, rest, f);
            }
        }
    }
}

fn tally(t: &mut Tally, person: Option<i64>, contact_key: u32) {
    t.contacts += 1;
    t.contact_keys = t.contact_keys.wrapping_add(contact_key);
    match person {
        Some(p) => {
            t.persons.insert(p);
        }
        None => {
            t.unidentified += 1;
            t.unidentified_keys = t.unidentified_keys.wrapping_add(contact_key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{District, Referrals};

    fn attrs(role: Role, referrals: &str, district: &str) -> Attributes {
        Attributes {
            role,
            gender: Gender::Woman,
            age_band: AgeBand::From25To34,
            counterpart: Counterpart::Men,
            district: District::new(district).unwrap(),
            contact_type: ContactType::Outreach,
            referrals: referrals.parse::<Referrals>().unwrap(),
            trafficking: false,
            concern: None,
            projects: crate::domain::ProjectSet::none(),
        }
    }

    fn d(s: &str) -> Option<Date> {
        Some(crate::domain::parse_date(s).unwrap())
    }

    #[test]
    fn counts_contacts_individuals_and_new_ones() {
        let districts = Districts::default();
        let q = Query {
            from: d("2020-01-01"),
            to: d("2020-12-31"),
            by: vec![Dimension::Year],
            ..Query::default()
        };
        let mut acc = Accumulator::new(&q, &districts);
        let a = attrs(Role::Sells, "", "norrmalm");
        acc.add("2019-05-01", Some(1), &a); // outside the period
        acc.add("2020-02-01", Some(1), &a); // person 1 first seen 2019: not new
        acc.add("2020-03-01", Some(2), &a); // person 2 new in 2020
        acc.add("2020-04-01", Some(2), &a);
        acc.add("2020-04-02", None, &a);
        let first: HashMap<i64, u32> = [(1, 20190501), (2, 20200301)].into();
        let r = acc.finish(&first, 3, None);
        assert_eq!(
            r.totals,
            Figures {
                contacts: 4,
                individuals: 2,
                new_individuals: 1,
                unidentified_contacts: 1
            }
        );
        assert_eq!(r.groups.len(), 1);
        assert_eq!(r.groups[0].key, vec!["2020".to_string()]);
        assert_eq!(r.from.as_deref(), Some("2020-01-01"));
    }

    #[test]
    fn a_contact_counts_once_per_referral() {
        let districts = Districts::default();
        let q = Query {
            by: vec![Dimension::Referral],
            ..Query::default()
        };
        let mut acc = Accumulator::new(&q, &districts);
        acc.add(
            "2020-01-01",
            Some(1),
            &attrs(Role::Sells, "health;housing", "norrmalm"),
        );
        acc.add("2020-01-02", Some(2), &attrs(Role::Sells, "", "norrmalm"));
        let r = acc.finish(&HashMap::new(), 0, None);
        let keys: Vec<_> = r.groups.iter().map(|g| g.key[0].as_str()).collect();
        assert_eq!(keys, ["health", "housing", "none"]);
        assert_eq!(r.totals.contacts, 2);
    }

    #[test]
    fn referral_filters_and_together_per_contact() {
        let districts = Districts::default();
        let q = Query {
            by: vec![Dimension::Referral],
            filters: vec![
                Filter::parse("referral=health", &districts).unwrap(),
                Filter::parse("referral=housing,legal", &districts).unwrap(),
            ],
            ..Query::default()
        };
        let mut acc = Accumulator::new(&q, &districts);
        let both = attrs(Role::Sells, "health;housing;shelter", "norrmalm");
        acc.add("2020-01-01", Some(1), &both);
        acc.add(
            "2020-01-01",
            Some(2),
            &attrs(Role::Sells, "health", "norrmalm"),
        );
        let r = acc.finish(&HashMap::new(), 0, None);
        assert_eq!(r.totals.contacts, 1);
        let keys: Vec<_> = r.groups.iter().map(|g| g.key[0].as_str()).collect();
        assert_eq!(keys, ["health", "housing"]);
    }

    #[test]
    fn filters_and_together_and_values_or() {
        let districts = Districts::default();
        let q = Query {
            filters: vec![
                Filter::parse("role=sells,buys", &districts).unwrap(),
                Filter::parse("district=norrmalm", &districts).unwrap(),
            ],
            ..Query::default()
        };
        let mut acc = Accumulator::new(&q, &districts);
        acc.add("2020-01-01", Some(1), &attrs(Role::Sells, "", "norrmalm"));
        acc.add("2020-01-01", Some(2), &attrs(Role::Buys, "", "norrmalm"));
        acc.add("2020-01-01", Some(3), &attrs(Role::Other, "", "norrmalm"));
        acc.add("2020-01-01", Some(4), &attrs(Role::Sells, "", "farsta"));
        assert_eq!(acc.finish(&HashMap::new(), 0, None).totals.contacts, 2);
    }

    #[test]
    fn the_concern_dimension_counts_answers_and_none() {
        let districts = Districts::default();
        let q = Query {
            by: vec![Dimension::Concern],
            ..Query::default()
        };
        let young = |c| Attributes {
            age_band: AgeBand::Under18,
            concern: c,
            ..attrs(Role::Sells, "", "norrmalm")
        };
        let mut acc = Accumulator::new(&q, &districts);
        acc.add("2020-01-01", Some(1), &young(Some(ConcernReport::Made)));
        acc.add("2020-01-02", Some(1), &young(Some(ConcernReport::Made)));
        acc.add("2020-01-02", Some(2), &young(Some(ConcernReport::NotMade)));
        acc.add("2020-01-02", Some(3), &young(None));
        acc.add("2020-01-03", Some(4), &attrs(Role::Sells, "", "norrmalm"));
        // An answer on an adult's attributes is no answer (it is never stored either).
        let adult = Attributes {
            concern: Some(ConcernReport::Made),
            ..attrs(Role::Sells, "", "norrmalm")
        };
        acc.add("2020-01-03", Some(5), &adult);
        let r = acc.finish(&HashMap::new(), 0, None);
        let groups: Vec<(&str, u64, u64)> = r
            .groups
            .iter()
            .map(|g| (g.key[0].as_str(), g.figures.contacts, g.figures.individuals))
            .collect();
        assert_eq!(groups, [("none", 3, 3), ("made", 2, 1), ("not-made", 1, 1)]);
        let f = Filter::parse("concern=made,will-be-made", &districts).unwrap();
        assert_eq!(f.describe(&districts), "concern=made,will-be-made");
        let q = Query {
            filters: vec![f],
            ..Query::default()
        };
        let mut acc = Accumulator::new(&q, &districts);
        acc.add("2020-01-01", Some(1), &young(Some(ConcernReport::Made)));
        acc.add("2020-01-01", Some(2), &young(None));
        acc.add("2020-01-01", Some(5), &adult);
        assert_eq!(acc.finish(&HashMap::new(), 0, None).totals.contacts, 1);
        assert!(Filter::parse("concern=none", &districts).is_ok());
        let e = Filter::parse("concern=yes", &districts)
            .unwrap_err()
            .to_string();
        assert!(e.contains("made, will-be-made, not-made, or none"), "{e}");
    }

    #[test]
    fn bad_filters_are_explained() {
        let districts = Districts::default();
        assert!(Filter::parse("role", &districts).is_err());
        assert!(Filter::parse("colour=red", &districts).is_err());
        assert!(Filter::parse("role=seller", &districts).is_err());
        assert!(Filter::parse("district=atlantis", &districts).is_err());
        assert!(Filter::parse("month=2020-13", &districts).is_err());
        assert!(Filter::parse("year=20x0", &districts).is_err());
        assert!(Filter::parse("referral=none,health", &districts).is_ok());
    }

    /// The grouping key's length is derived from `Dimension::ALL`, which the `dimensions!`
    /// macro builds from the one list of variants: a new dimension cannot be left out of
    /// either. Checked at compile time, and by grouping by every combination of dimensions,
    /// all of them at once included.
    #[test]
    fn every_combination_of_dimensions_groups_without_panicking() {
        const _: () = assert!(MAX_DIMS == Dimension::ALL.len());
        let districts = Districts::default();
        let a = attrs(Role::Sells, "health;housing", "norrmalm");
        let n = Dimension::ALL.len();
        for mask in 1u32..(1 << n) {
            let by: Vec<Dimension> = (0..n)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| Dimension::ALL[i])
                .collect();
            let q = Query {
                by: by.clone(),
                ..Query::default()
            };
            let mut acc = Accumulator::new(&q, &districts);
            acc.add("2020-03-01", Some(1), &a);
            acc.add("2020-03-02", None, &a);
            let r = acc.finish(&HashMap::new(), 0, None);
            assert_eq!(r.totals.contacts, 2, "{by:?}");
            let groups = if by.contains(&Dimension::Referral) {
                2
            } else {
                1
            };
            assert_eq!(r.groups.len(), groups, "{by:?}");
            assert!(r.groups.iter().all(|g| g.key.len() == by.len()), "{by:?}");
        }
    }

    /// A varied stream of contacts: (id, date, person, attributes), some without a person,
    /// some with several referrals, persons met in several districts and genders.
    fn keyed_stream() -> Vec<(i64, String, Option<i64>, Attributes)> {
        let genders = [Gender::Woman, Gender::Man, Gender::Unknown];
        let districts = ["norrmalm", "farsta", "online", "kungsholmen"];
        let referrals = ["", "health", "health;housing", "legal"];
        (1..=400i64)
            .map(|id| {
                let mut a = attrs(
                    if id % 3 == 0 { Role::Buys } else { Role::Sells },
                    referrals[(id % 4) as usize],
                    districts[(id * 7 % 4) as usize],
                );
                a.gender = genders[(id / 7 % 3) as usize];
                let person = (id % 5 != 0).then_some(id % 37);
                let date = format!("20{:02}-{:02}-{:02}", 19 + id % 3, 1 + id % 12, 1 + id % 28);
                (id, date, person, a)
            })
            .collect()
    }

    fn keyed(q: &Query, keys: &crate::crypto::RecordKeys) -> StatsResult {
        let districts = Districts::default();
        let mut acc = Accumulator::new(q, &districts);
        let stream = keyed_stream();
        let mut first: HashMap<i64, u32> = HashMap::new();
        for (id, date, person, a) in &stream {
            if let Some(p) = person {
                let d = date_code(date);
                let e = first.entry(*p).or_insert(d);
                *e = (*e).min(d);
            }
            acc.add_keyed(date, *person, a, keys.contact(*id));
        }
        acc.finish_keyed(&first, 0, None, &|p| keys.person(p))
    }

    #[test]
    fn a_cell_key_is_the_wrapping_sum_of_its_records_keys() {
        let keys = crate::crypto::CellKeySecret::generate().record_keys();
        let districts = Districts::default();
        let q = Query {
            from: d("2020-01-01"),
            to: d("2020-12-31"),
            by: vec![Dimension::Gender, Dimension::Referral],
            ..Query::default()
        };
        let r = keyed(&q, &keys);
        assert!(r.groups.len() > 6, "{}", r.groups.len());
        let stream = keyed_stream();
        let first = |p: i64| {
            stream
                .iter()
                .filter(|c| c.2 == Some(p))
                .map(|c| date_code(&c.1))
                .min()
                .unwrap()
        };
        let sel = Selection::new(&q, &districts);
        // Independently: the contacts of each cell, by its printed key.
        let in_cell = |key: &[String]| -> Vec<&(i64, String, Option<i64>, Attributes)> {
            stream
                .iter()
                .filter(|(_, date, _, a)| {
                    let mut m = Multi::default();
                    sel.admits(date_code(date), a, &mut m)
                        && a.gender.as_str() == key[0]
                        && m.referrals.iter().any(|c| {
                            value_text(Dimension::Referral, *c, (&districts).into()) == key[1]
                        })
                })
                .collect()
        };
        let sum = |it: &mut dyn Iterator<Item = u32>| it.fold(0u32, |a, k| a.wrapping_add(k));
        for g in &r.groups {
            let cell = in_cell(&g.key);
            assert_eq!(cell.len() as u64, g.figures.contacts, "{:?}", g.key);
            let persons: std::collections::BTreeSet<i64> =
                cell.iter().filter_map(|c| c.2).collect();
            let expected = CellKeys {
                contacts: sum(&mut cell.iter().map(|c| keys.contact(c.0))),
                individuals: sum(&mut persons.iter().map(|p| keys.person(*p))),
                new_individuals: sum(&mut persons
                    .iter()
                    .filter(|p| first(**p) >= 20200101)
                    .map(|p| keys.person(*p))),
                unidentified_contacts: sum(&mut cell
                    .iter()
                    .filter(|c| c.2.is_none())
                    .map(|c| keys.contact(c.0))),
            };
            assert_eq!(g.keys, expected, "{:?}", g.key);
            assert_ne!(g.keys.contacts, 0);
        }
        // The totals too: every contact of the period once, whatever its referrals.
        let all: Vec<_> = stream
            .iter()
            .filter(|(_, date, _, a)| sel.admits(date_code(date), a, &mut Multi::default()))
            .collect();
        assert_eq!(
            r.keys.contacts,
            sum(&mut all.iter().map(|c| keys.contact(c.0)))
        );
        // Unkeyed, every cell key is zero.
        let mut acc = Accumulator::new(&q, &districts);
        for (id, date, person, a) in &stream {
            acc.add_keyed(date, *person, a, keys.contact(*id));
        }
        let plain = acc.finish(&HashMap::new(), 0, None);
        assert!(plain.groups.iter().all(|g| g.keys == CellKeys::default()));
        assert_eq!(plain.keys, CellKeys::default());
    }

    #[test]
    fn the_same_contacts_give_the_same_cell_key_in_every_table() {
        let keys = crate::crypto::CellKeySecret::generate().record_keys();
        let districts = Districts::default();
        let by = |dims: &[Dimension], filters: &[&str]| Query {
            by: dims.to_vec(),
            filters: filters
                .iter()
                .map(|f| Filter::parse(f, &districts).unwrap())
                .collect(),
            ..Query::default()
        };
        let cell = |r: &StatsResult, key: &[&str]| {
            r.groups
                .iter()
                .find(|g| g.key == key)
                .unwrap_or_else(|| panic!("{key:?} in {:?}", r.by))
                .clone()
        };
        let gender = keyed(&by(&[Dimension::Gender], &[]), &keys);
        let gender_district = keyed(&by(&[Dimension::Gender, Dimension::District], &[]), &keys);
        let role_gender = keyed(&by(&[Dimension::Role, Dimension::Gender], &[]), &keys);
        let sells_by_gender = keyed(&by(&[Dimension::Gender], &["role=sells"]), &keys);
        let by_year = keyed(&by(&[Dimension::Year], &[]), &keys);
        // The totals are one set of contacts and persons in every table.
        for r in [&gender_district, &role_gender, &by_year] {
            assert_eq!(r.keys, gender.keys);
            assert_eq!(r.totals, gender.totals);
        }
        // The cell (sells, woman) of one table is the cell woman of the other, filtered.
        let a = cell(&role_gender, &["sells", "woman"]);
        let b = cell(&sells_by_gender, &["woman"]);
        assert_eq!((a.figures, a.keys), (b.figures, b.keys));
        // Contacts split over districts add up, keys and all (each contact is in one district);
        // persons met in several districts do not, and neither do their keys.
        let woman = cell(&gender, &["woman"]);
        let parts: Vec<&Group> = gender_district
            .groups
            .iter()
            .filter(|g| g.key[0] == "woman")
            .collect();
        assert!(parts.len() > 1);
        let sum = parts
            .iter()
            .fold(0u32, |a, g| a.wrapping_add(g.keys.contacts));
        assert_eq!(sum, woman.keys.contacts);
        let persons: u64 = parts.iter().map(|g| g.figures.individuals).sum();
        assert!(
            persons > woman.figures.individuals,
            "someone met in two districts"
        );
        // Another secret, other keys for the same cell.
        let other = keyed(
            &by(&[Dimension::Gender], &[]),
            &crate::crypto::CellKeySecret::generate().record_keys(),
        );
        assert_eq!(other.totals, gender.totals);
        assert_ne!(other.keys, gender.keys);
    }

    #[test]
    fn one_selection_for_the_accumulator_and_the_occasions() {
        let districts = Districts::default();
        let q = Query {
            from: d("2020-01-01"),
            to: d("2020-12-31"),
            filters: vec![
                Filter::parse("district=norrmalm", &districts).unwrap(),
                Filter::parse("referral=health", &districts).unwrap(),
            ],
            ..Query::default()
        };
        let contacts = [
            (
                "2020-02-01",
                Some(1),
                attrs(Role::Sells, "health", "norrmalm"),
            ),
            (
                "2020-02-02",
                Some(1),
                attrs(Role::Sells, "health", "farsta"),
            ),
            ("2020-02-03", Some(2), attrs(Role::Sells, "", "norrmalm")),
            (
                "2021-02-03",
                Some(2),
                attrs(Role::Sells, "health", "norrmalm"),
            ),
            (
                "2020-05-05",
                Some(3),
                attrs(Role::Buys, "health;legal", "norrmalm"),
            ),
        ];
        let mut acc = Accumulator::new(&q, &districts);
        let mut occ = estimate::Occasions::new(&q, &districts);
        for (date, person, a) in &contacts {
            let sinks: [&mut dyn StatsSink; 2] = [&mut acc, &mut occ];
            for s in sinks {
                s.add(date, *person, a);
            }
        }
        let r = acc.finish(&HashMap::new(), 0, None);
        assert_eq!((r.totals.contacts, r.totals.individuals), (2, 2));
        assert_eq!(occ.finish().observed, 2);
    }

    #[test]
    fn the_covering_period_is_open_where_any_selection_is() {
        let districts = Districts::default();
        let sel = |from: &str, to: &str| {
            let q = Query {
                from: d(from),
                to: d(to),
                ..Query::default()
            };
            Selection::new(&q, &districts)
        };
        let a = sel("2020-01-01", "2020-12-31");
        let b = sel("2019-06-01", "2020-03-01");
        assert_eq!(covering([&a, &b]), (d("2019-06-01"), d("2020-12-31")));
        let open = Selection::new(&Query::default(), &districts);
        assert_eq!(covering([&a, &open]), (None, None));
        assert_eq!(covering([]), (None, None));
    }
}
