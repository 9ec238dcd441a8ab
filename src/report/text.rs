//! The words of the report and of `estimate`, in English and Swedish, and the honest rounding
//! of the summary sentence ("drygt 400", "just under 400").

use crate::i18n::Lang;
use crate::stats::estimate::Estimate;
use crate::stats::Dimension;

/// Every string of the report and the estimate in one language.
pub struct ReportText {
    pub title_year: &'static str,
    pub title_period: &'static str,
    pub generated: &'static str,
    pub summary: &'static str,
    pub key_figures: &'static str,
    pub per_year: &'static str,
    pub per_year_intro: &'static str,
    pub returning: &'static str,
    pub who: &'static str,
    pub who_intro: &'static str,
    pub contact_types: &'static str,
    pub referrals: &'static str,
    pub referrals_intro: &'static str,
    pub trafficking: &'static str,
    pub trafficking_intro: &'static str,
    pub concern: &'static str,
    pub concern_intro: &'static str,
    pub estimate_heading: &'static str,
    pub estimate_withheld: &'static str,
    pub estimate_empty: &'static str,
    pub method: &'static str,
    pub method_notes: &'static [&'static str],
    /// Replaces the second method note (suppression) in a report published by the cell key
    /// method.
    pub cellkey_note: &'static str,
    pub checkpoint: &'static str,
    pub observed: &'static str,
    pub f1: &'static str,
    pub f2: &'static str,
    pub estimate: &'static str,
    pub estimate_short: &'static str,
    pub ci95: &'static str,
    pub chart_title: &'static str,
    /// The chart of a one-year report, and its months' short names.
    pub chart_title_months: &'static str,
    pub months: [&'static str; 12],
    pub nothing: &'static str,
    /// In place of a table suppression could not publish safely.
    pub withheld: &'static str,
    /// Before a coarser table shown in place of one withheld; `{by}` names its grouping.
    pub withheld_instead: &'static str,
    pub fewer_than: &'static str,
    pub just_over: &'static str,
    pub just_under: &'static str,
    pub about: &'static str,
    /// A funder's report: "Project", "funded by".
    pub title_project: &'static str,
    pub funded_by: &'static str,
    /// The information and training activities of the yearly report.
    pub activities_heading: &'static str,
    pub activities_by_kind: &'static str,
    pub activities_by_audience: &'static str,
    pub activities_intro: &'static str,
    pub activities: &'static str,
    pub participants: &'static str,
    pub kind: &'static str,
    pub audience: &'static str,
    pub total: &'static str,
    pub no_activities: &'static str,
}

pub static EN: ReportText = ReportText {
    title_year: "Outreach contacts: report for",
    title_period: "Outreach contacts: report",
    generated: "Generated",
    summary: "Summary",
    key_figures: "Key figures",
    per_year: "Contacts and individuals per year",
    per_year_intro: "Individuals are distinct persons (by pseudonym); a person seen in several years counts in each. New individuals had their first contact ever that year; returning ones had been met before.",
    returning: "Returning individuals",
    who: "Role, gender and counterpart",
    who_intro: "Individuals and contacts by role, gender and the gender of those they sell to or buy from. A person may count in more than one row.",
    contact_types: "Contact types",
    referrals: "Referrals",
    referrals_intro: "A contact with several referrals counts once under each.",
    trafficking: "Trafficking indicators",
    trafficking_intro: "Contacts where outreach workers observed indicators of trafficking.",
    concern: "Reports of concern (under 18)",
    concern_intro: "For every contact with someone under 18, whether a report of concern (orosanmälan) to social services was made, will be made or was not made. \"No answer\" is every other contact: someone 18 or older, or an under-18 contact logged before the answer was recorded.",
    estimate_heading: "How many are not reached: population estimate",
    estimate_withheld: "The estimate is not published for this period: fewer than the threshold of the individuals reached were seen on exactly one, exactly two, or three or more dates, and the estimate would let those small counts be worked out.",
    estimate_empty: "No individuals were identified in this period, so there is nothing to estimate from.",
    method: "Method notes",
    checkpoint: "Checkpoint of the access and change log when this report was made (an auditor proves with `uppsok audit --since-checkpoint` that the log up to it, and so these figures' history, was not changed afterwards)",
    method_notes: &[
        "Individuals are counted by a keyed pseudonym of a code the person gives; nobody's name or identity number is stored. Contacts without a code count as contacts but not as individuals.",
        "Disclosure control: every count from 1 to the threshold minus one is shown as <N, and further counts are hidden (..) so that no small count can be worked out from totals, margins or other rows. Zero is shown as 0.",
        "The population estimate is the bias-corrected Chao1 estimator with capture occasions = distinct contact dates, and Chao's log-normal 95 % interval. It assumes a closed population (nobody arrives or leaves during the period) and that everyone is equally likely to be met; people who avoid contact make it an underestimate.",
        "Figures are counted by uppsok from the unit's encrypted contact log: a contact is one meeting, a conversation or an online exchange that a member of staff logged; an individual is counted once however often met; a new individual is one met in the period and never before it.",
    ],
    cellkey_note: "Disclosure control by the cell key method (the method Statistics Sweden's population statistics use since 2025): every contact and every person carries a secret random key; a figure's key is the sum of the keys of those it counts, and a fixed table turns the figure and its key into the published number, at most 2 away, never 1 or 2, exact on average (variance 1). The same group of contacts gets the same number in every table and every report, so comparing tables or periods shows only this noise. Parts need not add up to totals.",
    observed: "Individuals reached (S)",
    f1: "seen on exactly one date (f1)",
    f2: "seen on exactly two dates (f2)",
    estimate: "Estimated number in the population (N)",
    estimate_short: "Estimate",
    ci95: "95 % interval",
    chart_title: "Contacts and individuals per year",
    chart_title_months: "Contacts and individuals per month",
    months: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    nothing: "No contacts in this period.",
    withheld_instead: "The full table is not published: with suppression, it would give away a hidden count together with tables anyone may publish (those of fewer of its groupings, or one sharing a hidden figure with it). Shown instead: by {by}. The cell key method (uppsok report --method cellkey) publishes the full table.",
    withheld: "Not published: with suppression, this table together with tables anyone may publish (those of fewer of its groupings, or one sharing a hidden figure with it) would give away a hidden count. The cell key method (uppsok report --method cellkey) publishes it.",
    fewer_than: "fewer than",
    just_over: "just over",
    just_under: "just under",
    about: "about",
    title_project: "Outreach contacts in the project",
    funded_by: "funded by",
    activities_heading: "Information and training",
    activities_by_kind: "Information and training, by kind",
    activities_by_audience: "Information and training, by audience",
    activities_intro: "Talks, training and consultations for others than the people the outreach work meets: schools, other services, the police. They are not contacts and are not counted in any figure above.",
    activities: "Activities",
    participants: "Participants",
    kind: "Kind",
    audience: "Audience",
    total: "Total",
    no_activities: "No information or training activities were recorded in the period.",
};

pub static SV: ReportText = ReportText {
    title_year: "Uppsökande kontakter: rapport för",
    title_period: "Uppsökande kontakter: rapport",
    generated: "Framtagen",
    summary: "Sammanfattning",
    key_figures: "Nyckeltal",
    per_year: "Kontakter och individer per år",
    per_year_intro: "Individer är olika personer (enligt pseudonym); den som mötts flera år räknas varje år. Nya individer hade sin allra första kontakt det året; återkommande hade mötts tidigare.",
    returning: "Återkommande individer",
    who: "Roll, kön och motpart",
    who_intro: "Individer och kontakter efter roll, kön och kön hos dem de säljer till eller köper av. En person kan räknas på mer än en rad.",
    contact_types: "Kontakttyper",
    referrals: "Hänvisningar",
    referrals_intro: "En kontakt med flera hänvisningar räknas en gång under varje.",
    trafficking: "Tecken på människohandel",
    trafficking_intro: "Kontakter där uppsökarna såg tecken på människohandel.",
    concern: "Orosanmälningar (under 18 år)",
    concern_intro: "För varje kontakt med någon under 18 år: om en orosanmälan till socialtjänsten gjordes, kommer att göras eller inte gjordes. \"Inget svar\" är alla andra kontakter: med någon som är 18 år eller äldre, eller med någon under 18 som loggades innan svaret registrerades.",
    estimate_heading: "Hur många nås inte: skattning av populationen",
    estimate_withheld: "Skattningen publiceras inte för den här perioden: färre än tröskelvärdet av de nådda individerna sågs exakt en, exakt två, eller tre eller fler dagar, och skattningen skulle låta de små antalen räknas fram.",
    estimate_empty: "Inga individer identifierades under perioden, så det finns inget att skatta utifrån.",
    method: "Om metoden",
    checkpoint: "Kontrollpunkt för åtkomst- och ändringsloggen när rapporten gjordes (en granskare visar med `uppsok audit --since-checkpoint` att loggen fram till den, och därmed siffrornas historik, inte ändrats efteråt)",
    method_notes: &[
        "Individer räknas med en nycklad pseudonym av en kod som personen själv uppger; inga namn eller personnummer lagras. Kontakter utan kod räknas som kontakter men inte som individer.",
        "Röjandeskydd: varje antal från 1 till tröskelvärdet minus ett visas som <N, och fler antal döljs (..) så att inget litet antal kan räknas fram ur summor, marginaler eller andra rader. Noll visas som 0.",
        "Skattningen av populationen görs med den biaskorrigerade Chao1-skattaren, där fångsttillfällena är olika kontaktdagar, och Chaos log-normala 95-procentiga intervall. Den förutsätter en sluten population (ingen tillkommer eller försvinner under perioden) och att alla har samma chans att mötas; personer som undviker kontakt gör den till en underskattning.",
        "Siffrorna är räknade av uppsok ur enhetens krypterade kontaktlogg: en kontakt är ett möte, ett samtal eller en kontakt på nätet som någon i personalen loggat; en individ räknas en gång hur ofta hen än mötts; en ny individ är en som mötts under perioden men aldrig före den.",
    ],
    cellkey_note: "Röjandeskydd med cellnyckelmetoden (den metod SCB:s befolkningsstatistik använder sedan 2025): varje kontakt och varje person har en hemlig slumpnyckel; ett antals nyckel är summan av nycklarna för dem det räknar, och en fast tabell gör om antalet och nyckeln till det publicerade talet, högst 2 ifrån, aldrig 1 eller 2, rätt i genomsnitt (varians 1). Samma grupp kontakter får samma tal i varje tabell och varje rapport, så att jämföra tabeller eller perioder visar bara detta brus. Delarna behöver inte summera till totalerna.",
    observed: "Nådda individer (S)",
    f1: "sedda exakt en dag (f1)",
    f2: "sedda exakt två dagar (f2)",
    estimate: "Skattat antal i populationen (N)",
    estimate_short: "Skattning",
    ci95: "95 % intervall",
    chart_title: "Kontakter och individer per år",
    chart_title_months: "Kontakter och individer per månad",
    months: [
        "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
    ],
    nothing: "Inga kontakter under perioden.",
    withheld_instead: "Hela tabellen publiceras inte: med undertryckning skulle den, tillsammans med tabeller som vem som helst kan publicera (de med färre av dess indelningar, eller en som delar ett dolt antal med den), avslöja ett dolt antal. Visas i stället: efter {by}. Cellnyckelmetoden (uppsok report --method cellkey) publicerar hela tabellen.",
    withheld: "Publiceras inte: med undertryckning skulle tabellen, tillsammans med tabeller som vem som helst kan publicera (de med färre av dess indelningar, eller en som delar ett dolt antal med den), avslöja ett dolt antal. Cellnyckelmetoden (uppsok report --method cellkey) publicerar den.",
    fewer_than: "färre än",
    just_over: "drygt",
    just_under: "knappt",
    about: "cirka",
    title_project: "Uppsökande kontakter i projektet",
    funded_by: "finansierat av",
    activities_heading: "Information och utbildning",
    activities_by_kind: "Information och utbildning, efter typ",
    activities_by_audience: "Information och utbildning, efter målgrupp",
    activities_intro: "Föreläsningar, utbildningar och konsultationer för andra än de personer som uppsökarna möter: skolor, andra verksamheter, polisen. De är inte kontakter och räknas inte i någon siffra ovan.",
    activities: "Insatser",
    participants: "Deltagare",
    kind: "Typ",
    audience: "Målgrupp",
    total: "Totalt",
    no_activities: "Inga informations- eller utbildningsinsatser registrerades under perioden.",
};

impl ReportText {
    pub fn of(lang: Lang) -> &'static ReportText {
        match lang {
            Lang::En => &EN,
            Lang::Sv => &SV,
        }
    }

    /// One sentence: what the estimate means and what it assumes.
    pub fn estimate_sentence(&self, e: &Estimate, lang: Lang) -> String {
        // Whole people in a sentence: "about 289 individuals (95 % interval 266–336)".
        let whole = |x: f64| lang.number(x.round().max(0.0) as u64);
        let n = whole(e.estimate);
        let (lo, hi) = (whole(e.ci95.0), whole(e.ci95.1));
        let s = lang.number(e.observed);
        match lang {
            Lang::En => format!(
                "Reading: counting those never met, about {n} individuals (95 % interval {lo}–{hi}) were in the population during the period, of whom {s} were reached; the figure comes from how many were met on only one or two dates and assumes a closed population (nobody arriving or leaving during the period) and that everyone was equally likely to be met, so people who avoid contact make it too low."
            ),
            Lang::Sv => format!(
                "Tolkning: räknat med dem som aldrig mötts fanns omkring {n} individer (95 % intervall {lo}–{hi}) i populationen under perioden, varav {s} nåddes; talet bygger på hur många som mötts bara en eller två dagar och förutsätter en sluten population (ingen tillkommer eller försvinner under perioden) och att alla haft samma chans att mötas, så personer som undviker kontakt gör det för lågt."
            ),
        }
    }
}

/// A number with one decimal, grouped per language (`1,234.5` / `1 234,5`).
pub fn decimal(x: f64, lang: Lang) -> String {
    let tenths = (x * 10.0).round().max(0.0) as u64;
    let (whole, frac) = (tenths / 10, tenths % 10);
    let mark = match lang {
        Lang::En => '.',
        Lang::Sv => ',',
    };
    format!("{}{mark}{frac}", lang.number(whole))
}

/// A count in honest words for a sentence: exact below 20, otherwise rounded (one significant
/// digit below 1,000, two above) with "just over"/"just under" when within a fifth of the step, else to half
/// a step, with "about" when not close to that either. 399 is "just under 400", 400 is "400",
/// 401 and 419 "just over 400". Counts from 1 to `threshold - 1` are "fewer than 5".
pub fn rounded_words(n: u64, threshold: u64, lang: Lang) -> String {
    let t = ReportText::of(lang);
    if n > 0 && n < threshold {
        return format!("{} {}", t.fewer_than, lang.number(threshold));
    }
    if n < 20 {
        return lang.number(n);
    }
    // One significant digit below 1,000 ("drygt 400"), two from there ("knappt 1 500").
    let digits = n.to_string().len() as u32;
    let step = 10u64.pow(if digits >= 4 { digits - 2 } else { digits - 1 });
    let near = |step: u64| ((n + step / 2) / step) * step;
    let word = |r: u64, d: i64, close: i64| -> Option<String> {
        if d == 0 {
            Some(lang.number(r))
        } else if d.abs() <= close {
            let w = if d > 0 { t.just_over } else { t.just_under };
            Some(format!("{w} {}", lang.number(r)))
        } else {
            None
        }
    };
    let r = near(step);
    if let Some(s) = word(r, n as i64 - r as i64, (step / 5) as i64) {
        return s;
    }
    let half = step / 2;
    let r2 = near(half);
    word(r2, n as i64 - r2 as i64, (half / 5) as i64)
        .unwrap_or_else(|| format!("{} {}", t.about, lang.number(r2)))
}

/// A category value as people read it (the labels are spelled once, in `domain`).
pub fn value_label(dim: Dimension, value: &str, lang: Lang) -> String {
    crate::stats::value_label(dim, value, lang)
}

/// "women who sold sex to men": the phrase for a role × gender × counterpart group, if there is
/// a natural one.
pub fn group_phrase(role: &str, gender: &str, counterpart: &str, lang: Lang) -> Option<String> {
    let sv = lang == Lang::Sv;
    let who = match gender {
        "woman" => {
            if sv {
                "kvinnor"
            } else {
                "women"
            }
        }
        "man" => {
            if sv {
                "män"
            } else {
                "men"
            }
        }
        "trans" => {
            if sv {
                "transpersoner"
            } else {
                "trans people"
            }
        }
        "nonbinary" => {
            if sv {
                "icke-binära personer"
            } else {
                "non-binary people"
            }
        }
        _ => return None,
    };
    let to = match counterpart {
        "men" => {
            if sv {
                "män"
            } else {
                "men"
            }
        }
        "women" => {
            if sv {
                "kvinnor"
            } else {
                "women"
            }
        }
        "both" => {
            if sv {
                "både män och kvinnor"
            } else {
                "both men and women"
            }
        }
        _ => return None,
    };
    let verb = match role {
        "sells" => {
            if sv {
                "sålde sex till"
            } else {
                "sold sex to"
            }
        }
        "buys" => {
            if sv {
                "köpte sex av"
            } else {
                "bought sex from"
            }
        }
        _ => return None,
    };
    Some(if sv {
        format!("{who} som {verb} {to}")
    } else {
        format!("{who} who {verb} {to}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_words_at_their_boundaries() {
        let sv = |n| rounded_words(n, 5, Lang::Sv);
        let en = |n| rounded_words(n, 5, Lang::En);
        assert_eq!(sv(399), "knappt 400");
        assert_eq!(sv(400), "400");
        assert_eq!(sv(401), "drygt 400");
        assert_eq!(sv(419), "drygt 400");
        assert_eq!(sv(420), "drygt 400");
        assert_eq!(sv(430), "cirka 450");
        assert_eq!(sv(381), "knappt 400");
        assert_eq!(en(399), "just under 400");
        assert_eq!(en(400), "400");
        assert_eq!(en(401), "just over 400");
        assert_eq!(en(419), "just over 400");
        assert_eq!(en(3), "fewer than 5");
        assert_eq!(en(0), "0");
        assert_eq!(en(17), "17");
        assert_eq!(en(23), "about 25");
        assert_eq!(en(21), "just over 20");
        assert_eq!(sv(12_150), "drygt 12\u{a0}000");
        assert_eq!(sv(12_345), "cirka 12\u{a0}500");
        assert_eq!(en(1_480), "just under 1,500");
    }

    #[test]
    fn decimals_per_language() {
        assert_eq!(decimal(1234.56, Lang::En), "1,234.6");
        assert_eq!(decimal(1234.56, Lang::Sv), "1\u{a0}234,6");
        assert_eq!(decimal(7.0, Lang::Sv), "7,0");
    }

    #[test]
    fn seed_phrases() {
        assert_eq!(
            group_phrase("sells", "woman", "men", Lang::Sv).unwrap(),
            "kvinnor som sålde sex till män"
        );
        assert_eq!(
            group_phrase("buys", "man", "women", Lang::En).unwrap(),
            "men who bought sex from women"
        );
        assert!(group_phrase("other", "man", "women", Lang::En).is_none());
    }
}
