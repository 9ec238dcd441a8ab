//! The audit checks' summaries in words, one function per language. English is the sentence
//! `audit --format json` carries (CONTRACT.md): scripts may read it, so its wording and its
//! plain numbers stay as they are. Swedish is for people: numbers grouped, plurals right.

use crate::audit::summary::{
    EncryptionSummary, FingerprintSeen, Guessable, IntegritySummary, KAnonymitySummary, LogSummary,
    PiiSummary, PseudonymSummary, Sampled, Summary,
};
use crate::audit::{CheckpointState, HeadState, PiiSource};
use crate::audit_log::{ChainBreak, Refusal};
use crate::i18n::Lang;

/// A summary in English.
pub fn en(s: &Summary) -> String {
    match s {
        Summary::Encryption(e) => encryption_en(e),
        Summary::Pseudonyms(p) => pseudonyms_en(p),
        Summary::Pii(p) => pii_en(p),
        Summary::KAnonymity(k) => k_anonymity_en(k),
        Summary::AuditLog(l) => log_en(l),
        Summary::Integrity(i) => integrity_en(i),
    }
}

/// A summary in Swedish.
pub fn sv(s: &Summary) -> String {
    match s {
        Summary::Encryption(e) => encryption_sv(e),
        Summary::Pseudonyms(p) => pseudonyms_sv(p),
        Summary::Pii(p) => pii_sv(p),
        Summary::KAnonymity(k) => k_anonymity_sv(k),
        Summary::AuditLog(l) => log_sv(l),
        Summary::Integrity(i) => integrity_sv(i),
    }
}

fn listed_en(listed: Option<usize>) -> String {
    listed.map_or_else(String::new, |n| format!(" (first {n} listed)"))
}

fn listed_sv(listed: Option<usize>) -> String {
    listed.map_or_else(String::new, |n| format!(" (de första {} listas)", num(n)))
}

/// A count as Swedish writes it (`12 345`).
fn num(n: impl TryInto<u64>) -> String {
    Lang::Sv.number(n.try_into().unwrap_or(u64::MAX))
}

/// `1 kontakt`, `2 kontakter`.
fn count(n: impl TryInto<u64> + Copy, one: &str, many: &str) -> String {
    let v: u64 = n.try_into().unwrap_or(u64::MAX);
    format!("{} {}", num(v), if v == 1 { one } else { many })
}

fn encryption_en(e: &EncryptionSummary) -> String {
    let mut s = format!(
        "{} values opened where they are stored; {} failed; {} nonce reuses; key version {}{}; {} key slots, {} below the minimum (Argon2id {} MiB, {} passes)",
        e.opened,
        e.failed,
        e.nonce_reuses,
        e.key_version,
        if e.meta_ok { "" } else { " (the database records another)" },
        e.slots,
        e.weak,
        e.min_mib,
        e.min_passes,
    );
    if e.out_of_bounds > 0 {
        s.push_str(&format!(
            "; {} key slots have Argon2 settings outside the bounds uppsok accepts (1 to {} MiB, 1 to {} passes, 1 to {} lanes): they were changed outside uppsok and cannot be opened",
            e.out_of_bounds, e.max_mib, e.max_passes, e.max_lanes,
        ));
    }
    if e.not_held > 0 {
        s.push_str(&format!(
            "; {} notes not opened: this role holds no note key (their pages are authenticated all the same)",
            e.not_held
        ));
    }
    if e.shared_scheme {
        s.push_str(
            "; every role still holds every key (an auditor can read notes outside uppsok): run `uppsok rekey` once every user has signed in since the upgrade",
        );
    }
    if e.test_slots > 0 {
        s.push_str(&format!(
            "; {} slots use the cheap test settings of a debug build (UPPSOK_INSECURE_TEST_KDF=1): never acceptable in real use",
            e.test_slots
        ));
    }
    s.push_str(&listed_en(e.listed));
    s
}

fn encryption_sv(e: &EncryptionSummary) -> String {
    let mut s = format!(
        "{} där {} lagras; {} misslyckades; återanvänd nonce {} gånger; nyckelversion {}{}; {}, varav {} under miniminivån (Argon2id {} MiB, {} pass)",
        count(e.opened, "värde öppnat", "värden öppnade"),
        if e.opened == 1 { "det" } else { "de" },
        num(e.failed),
        num(e.nonce_reuses),
        e.key_version,
        if e.meta_ok { "" } else { " (databasen anger en annan)" },
        count(e.slots, "nyckelplats", "nyckelplatser"),
        num(e.weak),
        e.min_mib,
        e.min_passes,
    );
    if e.out_of_bounds > 0 {
        let one = e.out_of_bounds == 1;
        s.push_str(&format!(
            "; {} Argon2-inställningar utanför de gränser uppsok godtar (1 till {} MiB, 1 till {} pass, 1 till {} trådar): {} har ändrats utanför uppsok och kan inte öppnas",
            count(e.out_of_bounds, "nyckelplats har", "nyckelplatser har"),
            e.max_mib,
            e.max_passes,
            e.max_lanes,
            if one { "den" } else { "de" },
        ));
    }
    if e.not_held > 0 {
        s.push_str(&format!(
            "; {} inte: den här rollen har ingen nyckel till anteckningar ({} sidor är autentiserade ändå)",
            count(e.not_held, "anteckning öppnades", "anteckningar öppnades"),
            if e.not_held == 1 { "dess" } else { "deras" },
        ));
    }
    if e.shared_scheme {
        s.push_str(
            "; alla roller har fortfarande alla nycklar (en granskare kan läsa anteckningar utanför uppsok): kör `uppsok rekey` när alla användare har loggat in sedan uppgraderingen",
        );
    }
    if e.test_slots > 0 {
        s.push_str(&format!(
            "; {} de billiga testinställningarna i en felsökningsversion (UPPSOK_INSECURE_TEST_KDF=1): aldrig godtagbart i verklig användning",
            count(e.test_slots, "nyckelplats använder", "nyckelplatser använder"),
        ));
    }
    s.push_str(&listed_sv(e.listed));
    s
}

fn pseudonyms_en(p: &PseudonymSummary) -> String {
    let sample = match p.sampled {
        Sampled::Compared { unkeyed, codes } => {
            format!("{unkeyed} equal an unkeyed SHA-256 of one of {codes} sampled codes")
        }
        Sampled::Nothing => "none to compare with unkeyed hashes of sampled codes".to_string(),
    };
    let guessable = match p.guessable {
        Guessable::Found { found, persons, keyed } => format!(
            "; {found} of {persons} are the keyed pseudonym of a code of two letters and a birth year (with or without a separator): anyone who holds the pseudonym key finds those codes by keying all {keyed} such codes, in a few seconds. Ask people for longer codes (for example with a parent's initials) from now on"
        ),
        Guessable::NoneOf { keyed } => format!(
            "; none is the keyed pseudonym of one of {keyed} codes of two letters and a birth year (with or without a separator)"
        ),
        Guessable::NotMeasured => "; how many are the keyed form of a guessable code is measured by a role that holds the pseudonym key (lead or admin), not by an auditor".to_string(),
        Guessable::NoPersons => String::new(),
    };
    format!(
        "{} pseudonyms, {} not 32 bytes; {sample}{guessable}{}",
        p.persons,
        p.bad_length,
        listed_en(p.listed)
    )
}

fn pseudonyms_sv(p: &PseudonymSummary) -> String {
    let sample = match p.sampled {
        Sampled::Compared { unkeyed, codes } => format!(
            "{} är en SHA-256 utan nyckel av någon av {} provkoder",
            num(unkeyed),
            num(codes)
        ),
        Sampled::Nothing => "inga att jämföra med SHA-256 utan nyckel av provkoder".to_string(),
    };
    let guessable = match p.guessable {
        Guessable::Found { found, persons, keyed } => format!(
            "; {} av {} är den nycklade pseudonymen för en kod av två bokstäver och ett födelseår (med eller utan skiljetecken): den som har pseudonymnyckeln hittar de koderna genom att nyckla alla {} sådana koder, på några sekunder. Be från och med nu om längre koder (till exempel med en förälders initialer)",
            num(found),
            num(persons),
            num(keyed)
        ),
        Guessable::NoneOf { keyed } => format!(
            "; ingen är den nycklade pseudonymen för någon av {} koder av två bokstäver och ett födelseår (med eller utan skiljetecken)",
            num(keyed)
        ),
        Guessable::NotMeasured => "; hur många som är den nycklade formen av en kod som går att gissa mäts av en roll som har pseudonymnyckeln (enhetsledare eller administratör), inte av en granskare".to_string(),
        Guessable::NoPersons => String::new(),
    };
    format!(
        "{}, {} inte 32 byte; {sample}{guessable}{}",
        count(p.persons, "pseudonym", "pseudonymer"),
        num(p.bad_length),
        listed_sv(p.listed)
    )
}

fn pii_en(p: &PiiSummary) -> String {
    match p.source {
        PiiSource::Scanned => format!(
            "{} notes scanned; {} hold what looks like an identifier{}",
            p.scanned,
            p.flagged,
            listed_en(p.listed)
        ),
        PiiSource::Records { last_rescan } => format!(
            "from the detector's signed records in the log (this role holds no note key; {}): {} notes hold what looks like an identifier{}",
            match last_rescan {
                Some(seq) => format!("every note last rescanned at entry {seq}"),
                None => "each note as it was saved; a lead or administrator rescans every note with `uppsok audit --rescan-notes`".to_string(),
            },
            p.flagged,
            listed_en(p.listed)
        ),
    }
}

fn pii_sv(p: &PiiSummary) -> String {
    let flagged = format!(
        "{} något som ser ut som en identitetsuppgift (personnummer, samordningsnummer, telefonnummer, e-post)",
        count(p.flagged, "anteckning innehåller", "anteckningar innehåller"),
    );
    match p.source {
        PiiSource::Scanned => format!(
            "{}; {flagged}{}",
            count(p.scanned, "anteckning genomsökt", "anteckningar genomsökta"),
            listed_sv(p.listed)
        ),
        PiiSource::Records { last_rescan } => format!(
            "enligt detektorns signerade poster i loggen (den här rollen har ingen nyckel till anteckningar; {}): {flagged}{}",
            match last_rescan {
                Some(seq) => format!("alla anteckningar genomsöktes senast vid post {seq}"),
                None => "varje anteckning när den sparades; en enhetsledare eller administratör genomsöker alla anteckningar med `uppsok audit --rescan-notes`".to_string(),
            },
            listed_sv(p.listed)
        ),
    }
}

fn k_anonymity_en(k: &KAnonymitySummary) -> String {
    match *k {
        KAnonymitySummary::NoIndividuals => {
            "no individuals yet (contacts without a code are not counted)".to_string()
        }
        KAnonymitySummary::Groups {
            individuals,
            groups,
            smallest,
            small_groups,
            in_small,
            threshold,
        } => {
            let mut s = format!(
                "{individuals} individuals in {groups} groups of gender, age band, role and district; the smallest holds {smallest}"
            );
            if smallest < threshold {
                s.push_str(&format!(
                    "; {small_groups} groups hold fewer than {threshold} ({in_small} individuals)"
                ));
            }
            s
        }
    }
}

fn k_anonymity_sv(k: &KAnonymitySummary) -> String {
    match *k {
        KAnonymitySummary::NoIndividuals => {
            "inga individer än (kontakter utan kod räknas inte)".to_string()
        }
        KAnonymitySummary::Groups {
            individuals,
            groups,
            smallest,
            small_groups,
            in_small,
            threshold,
        } => {
            let mut s = format!(
                "{} i {} efter kön, åldersgrupp, roll och stadsdel; den minsta har {}",
                count(individuals, "individ", "individer"),
                count(groups, "grupp", "grupper"),
                num(smallest)
            );
            if smallest < threshold {
                s.push_str(&format!(
                    "; {} färre än {threshold} ({})",
                    count(small_groups, "grupp har", "grupper har"),
                    count(in_small, "individ", "individer")
                ));
            }
            s
        }
    }
}

fn log_en(l: &LogSummary) -> String {
    let chain = match &l.chain {
        Ok(n) => format!("{n} entries, each signed by its author, chain verified end to end"),
        Err(b) => format!("the log breaks: {b}"),
    };
    let head = match l.head {
        HeadState::EmptyLog | HeadState::Matches => "the recorded head matches the last entry",
        HeadState::Missing => "the recorded head is missing",
        HeadState::Mismatch => {
            "the recorded head does not match the last entry: entries were cut from the end"
        }
    };
    let users = if l.users_differ == 0 {
        "every user record is as the log grants it".to_string()
    } else {
        format!(
            "{} user record(s) or key(s) differ from what the log grants (a role, a state or the key sealed to a user changed outside uppsok)",
            l.users_differ
        )
    };
    let content = if l.content_differ == 0 {
        format!(
            "every one of {} contacts is as the signed entry that last wrote it says",
            l.content_rows
        )
    } else {
        format!(
            "{} record(s) (contacts, field nights, or other rows the log commits to, named below) are not as the signed entry that last wrote them says (changed outside uppsok)",
            l.content_differ
        )
    };
    let checkpoint = match l.checkpoint {
        None => String::new(),
        Some(CheckpointState::Holds { seq }) => {
            format!("; the checkpoint at entry {seq} is still in the log")
        }
        Some(CheckpointState::Missing { seq }) => format!(
            "; the log no longer reaches the checkpoint at entry {seq}: it was cut or the file rolled back"
        ),
        Some(CheckpointState::Differs { seq }) => format!(
            "; entry {seq} is not the one the checkpoint names: the file was rolled back or the log rewritten"
        ),
    };
    let fingerprint = match &l.fingerprint {
        FingerprintSeen::AsGiven(fp) => format!("; fingerprint {fp} as given"),
        FingerprintSeen::Differs(got) => format!(
            "; the fingerprint is {}, not the one given: this is another database, or its log was rewritten from the start",
            got.as_deref().unwrap_or("(none)")
        ),
        FingerprintSeen::Shown(fp) => format!("; fingerprint {fp}"),
        FingerprintSeen::None => String::new(),
    };
    let pending = if l.pending_keys == 0 {
        String::new()
    } else {
        format!(
            "; {} user(s) hold no signing key yet (upgraded, not signed in since): until they sign in, an insider could register one in their name, which their next sign-in would refuse; ask them to sign in once",
            l.pending_keys
        )
    };
    format!(
        "{chain}; {head}; {users}; {content}; {} contacts, {} not logged as created, {} logged as deleted yet present; {} logged creations, {} missing without a logged deletion, {} deleted{checkpoint}{fingerprint}{pending}{}",
        l.contacts,
        l.unlogged,
        l.deleted_but_present,
        l.created,
        l.missing,
        l.deleted,
        listed_en(l.listed)
    )
}

/// Why an entry breaks the chain, in Swedish (English: `ChainBreak`'s `Display`).
fn chain_break_sv(b: &ChainBreak) -> String {
    match b {
        ChainBreak::Gap { expected, found } => {
            format!("post {expected} saknas (nästa är {found})")
        }
        ChainBreak::BadHash { seq } => format!(
            "post {seq} har inte den kontrollsumma loggen registrerade (den eller en post före den har ändrats)"
        ),
        ChainBreak::BadSignature { seq } => {
            format!("post {seq} är inte signerad av sin författare")
        }
        ChainBreak::NotAllowed { seq, why } => format!("post {seq}: {}", refusal_sv(*why)),
        ChainBreak::Unsigned { seq } => format!("post {seq} saknar signatur"),
    }
}

fn refusal_sv(r: Refusal) -> &'static str {
    match r {
        Refusal::BadSignature => "dess signatur stämmer inte",
        Refusal::UnknownAuthor => "dess författare är ingen användare som loggen känner till",
        Refusal::Disabled => "dess författare var avstängd före den",
        Refusal::NoKey => "dess författare hade ingen signeringsnyckel",
        Refusal::NotAdmin => "bara en administratör får göra den, och dess författare är ingen",
        Refusal::BadGrant => "den ger en roll eller nyckel som den inte får ge",
        Refusal::NotRecovery => "den gör anspråk på återställningsnyckeln, som inte får göra den",
        Refusal::NoRoot => "loggen börjar inte med sin första administratör",
    }
}

fn log_sv(l: &LogSummary) -> String {
    let chain = match &l.chain {
        Ok(n) => format!(
            "{}, var och en signerad av sin författare, kedjan verifierad från början till slut",
            count(*n, "post", "poster")
        ),
        Err(b) => format!("loggen är bruten: {}", chain_break_sv(b)),
    };
    let head = match l.head {
        HeadState::EmptyLog | HeadState::Matches => {
            "det sparade loggslutet stämmer med sista posten"
        }
        HeadState::Missing => "det sparade loggslutet saknas",
        HeadState::Mismatch => {
            "det sparade loggslutet stämmer inte med sista posten: poster har tagits bort i slutet"
        }
    };
    let users = match l.users_differ {
        0 => "alla användarposter är som loggen anger".to_string(),
        1 => "1 användarpost eller nyckel skiljer sig från vad loggen anger (en roll, en status eller en användares nyckel har ändrats utanför uppsok)".to_string(),
        n => format!(
            "{} användarposter eller nycklar skiljer sig från vad loggen anger (en roll, en status eller en användares nyckel har ändrats utanför uppsok)",
            num(n)
        ),
    };
    let content = match l.content_differ {
        0 => format!(
            "alla kontakter ({}) är som den signerade post som senast skrev dem anger",
            num(l.content_rows)
        ),
        1 => "1 post (en kontakt, ett fältpass eller annat som loggen binder, se nedan) är inte som den signerade post som senast skrev den anger (ändrad utanför uppsok)".to_string(),
        n => format!(
            "{} poster (kontakter, fältpass eller annat som loggen binder, se nedan) är inte som de signerade poster som senast skrev dem anger (ändrade utanför uppsok)",
            num(n)
        ),
    };
    let checkpoint = match l.checkpoint {
        None => String::new(),
        Some(CheckpointState::Holds { seq }) => {
            format!("; kontrollpunkten vid post {seq} finns kvar i loggen")
        }
        Some(CheckpointState::Missing { seq }) => format!(
            "; loggen når inte längre kontrollpunkten vid post {seq}: den har kortats eller filen rullats tillbaka"
        ),
        Some(CheckpointState::Differs { seq }) => format!(
            "; post {seq} är inte den som kontrollpunkten anger: filen har rullats tillbaka eller loggen skrivits om"
        ),
    };
    let fingerprint = match &l.fingerprint {
        FingerprintSeen::AsGiven(fp) => format!("; fingeravtryck {fp}, som angivet"),
        FingerprintSeen::Differs(got) => format!(
            "; fingeravtrycket är {}, inte det angivna: det här är en annan databas, eller så har loggen skrivits om från början",
            got.as_deref().unwrap_or("(inget)")
        ),
        FingerprintSeen::Shown(fp) => format!("; fingeravtryck {fp}"),
        FingerprintSeen::None => String::new(),
    };
    let pending = match l.pending_keys {
        0 => String::new(),
        1 => "; 1 användare har ingen signeringsnyckel än (uppgraderad, inte inloggad sedan dess): tills hen loggar in kan en insider registrera en i hens namn, vilket hens nästa inloggning skulle avvisa; be hen logga in en gång".to_string(),
        n => format!(
            "; {} användare har ingen signeringsnyckel än (uppgraderade, inte inloggade sedan dess): tills de loggar in kan en insider registrera en i deras namn, vilket deras nästa inloggning skulle avvisa; be dem logga in en gång",
            num(n)
        ),
    };
    format!(
        "{chain}; {head}; {users}; {content}; {}, {} inte loggade som skapade, {} loggade som borttagna men finns kvar; {}, {} saknas utan loggad borttagning, {} borttagna{checkpoint}{fingerprint}{pending}{}",
        count(l.contacts, "kontakt", "kontakter"),
        num(l.unlogged),
        num(l.deleted_but_present),
        count(l.created, "loggat skapande", "loggade skapanden"),
        num(l.missing),
        num(l.deleted),
        listed_sv(l.listed)
    )
}

fn integrity_en(i: &IntegritySummary) -> String {
    format!(
        "the database's own integrity check {}; {} references pointing nowhere; {} of {} staff records fail their seal{}",
        if i.sound { "ok" } else { "reports problems" },
        i.foreign_keys,
        i.bad_seals,
        i.users_checked,
        listed_en(i.listed)
    )
}

fn integrity_sv(i: &IntegritySummary) -> String {
    format!(
        "databasens egen integritetskontroll {}; {} på ingenting; {} av {} har ett sigill som inte stämmer{}",
        if i.sound { "ok" } else { "visar problem" },
        count(i.foreign_keys, "referens pekar", "referenser pekar"),
        num(i.bad_seals),
        count(i.users_checked, "personalpost", "personalposter"),
        listed_sv(i.listed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_counts_are_grouped_and_plural_right() {
        let k = Summary::KAnonymity(KAnonymitySummary::Groups {
            individuals: 1234,
            groups: 1,
            smallest: 2,
            small_groups: 1,
            in_small: 2,
            threshold: 5,
        });
        assert_eq!(
            sv(&k),
            "1\u{a0}234 individer i 1 grupp efter kön, åldersgrupp, roll och stadsdel; den minsta har 2; 1 grupp har färre än 5 (2 individer)"
        );
        assert_eq!(
            en(&k),
            "1234 individuals in 1 groups of gender, age band, role and district; the smallest holds 2; 1 groups hold fewer than 5 (2 individuals)",
            "English stays as JSON has always carried it"
        );
    }

    #[test]
    fn every_summary_is_said_in_both_languages() {
        let enc = EncryptionSummary {
            opened: 3,
            failed: 1,
            nonce_reuses: 0,
            key_version: 1,
            meta_ok: false,
            slots: 1,
            weak: 0,
            min_mib: 64,
            min_passes: 3,
            out_of_bounds: 1,
            max_mib: 4096,
            max_passes: 64,
            max_lanes: 16,
            not_held: 1,
            shared_scheme: true,
            test_slots: 1,
            listed: Some(200),
        };
        let log = LogSummary {
            chain: Err(ChainBreak::NotAllowed {
                seq: 4,
                why: Refusal::NotAdmin,
            }),
            head: HeadState::Mismatch,
            users_differ: 1,
            content_differ: 2,
            content_rows: 5,
            contacts: 5,
            unlogged: 0,
            deleted_but_present: 0,
            created: 5,
            missing: 0,
            deleted: 0,
            checkpoint: Some(CheckpointState::Differs { seq: 3 }),
            fingerprint: FingerprintSeen::Differs(None),
            pending_keys: 1,
            listed: None,
        };
        let summaries = [
            Summary::Encryption(enc),
            Summary::Pseudonyms(PseudonymSummary {
                persons: 1,
                bad_length: 0,
                sampled: Sampled::Nothing,
                guessable: Guessable::NotMeasured,
                listed: None,
            }),
            Summary::Pii(PiiSummary {
                source: PiiSource::Records { last_rescan: None },
                scanned: 0,
                flagged: 1,
                listed: None,
            }),
            Summary::KAnonymity(KAnonymitySummary::NoIndividuals),
            Summary::AuditLog(log),
            Summary::Integrity(IntegritySummary {
                sound: false,
                foreign_keys: 1,
                bad_seals: 0,
                users_checked: 1,
                listed: None,
            }),
        ];
        for s in &summaries {
            let (e, v) = (en(s), sv(s));
            assert_ne!(e, v, "{s:?}");
            // No English left in the Swedish sentence.
            for word in [" the ", " of ", " and ", " not "] {
                assert!(!v.contains(word), "{word:?} in {v}");
            }
        }
    }
}
