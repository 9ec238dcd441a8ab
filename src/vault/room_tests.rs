//! The vault's rooms on the in-memory store: what each room promises, without a file or a
//! process in between (the integration tests in `tests/` run the same paths on real files).

use super::*;
use crate::domain::{
    parse_date, AgeBand, Attributes, ContactType, Counterpart, Gender, NewContact, PersonCode,
    Referrals, Role,
};
use crate::storage::memory::MemoryStore;

const PASS: &str = "correct horse battery staple";

fn pass() -> Passphrase {
    Passphrase::new(PASS.into())
}

fn new_vault(store: &MemoryStore) -> Vault {
    Vault::create_in(|k| Ok(Box::new(store.keyed(k))), "admin", &pass()).unwrap()
}

fn sign_in(store: &MemoryStore, name: &str) -> Vault {
    Vault::unlock_in(store.locked(), name, &pass()).unwrap()
}

fn code(s: &str) -> PersonCode {
    PersonCode::normalise(s).unwrap()
}

fn contact(day: &str, person: &str, note: &str) -> NewContact {
    NewContact {
        date: parse_date(day).unwrap(),
        code: PersonCode::normalise(person),
        attributes: Attributes {
            role: Role::Sells,
            gender: Gender::Woman,
            age_band: AgeBand::From25To34,
            counterpart: Counterpart::Men,
            district: District::new("norrmalm").unwrap(),
            contact_type: ContactType::Outreach,
            referrals: Referrals::default(),
            trafficking: false,
            concern: None,
            projects: crate::domain::ProjectSet::none(),
        },
        note: zeroize::Zeroizing::new(note.to_string()),
        field_night: None,
    }
}

/// The log's entries as (action, objects), read from the store directly.
fn log(store: &MemoryStore) -> Vec<(String, String)> {
    let mut out = Vec::new();
    store
        .read()
        .unwrap()
        .scan_audit_log(&mut |r| {
            out.push((r.action, r.objects));
            NEXT
        })
        .unwrap();
    out
}

#[test]
fn a_returning_person_is_recognised_by_any_spelling_of_the_code() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    let first = v
        .contacts()
        .add(contact("2024-03-01", "AB 85", "första"), false)
        .unwrap();
    let second = v
        .contacts()
        .add(contact("2024-04-02", "a-b85", ""), false)
        .unwrap();
    assert_eq!(second, first + 1, "ids follow each other");
    let found = v.persons().lookup(&code("ab85")).unwrap().unwrap();
    assert_eq!(found.earlier, 2);
    assert_eq!(found.last, Some(parse_date("2024-04-02").unwrap()));
    assert!(v.persons().lookup(&code("cd99")).unwrap().is_none());
    let history = v.persons().history(&code("AB85")).unwrap().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].contact.note.as_str(), "första");
    // One person, two contacts, each logged; the history view logged too.
    let actions: Vec<String> = log(&store).into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "contact_add").count(),
        2,
        "{actions:?}"
    );
    assert!(actions.iter().any(|a| a == "person_view"), "{actions:?}");
}

#[test]
fn a_refused_change_writes_nothing_but_the_refusal() {
    let store = MemoryStore::new();
    let mut admin = new_vault(&store);
    admin
        .staff()
        .add("rut", crate::domain::StaffRole::Auditor, &pass())
        .unwrap();
    let before = log(&store);
    let mut rut = sign_in(&store, "rut");
    let err = rut
        .contacts()
        .add(contact("2024-03-01", "ab85", ""), false)
        .unwrap_err();
    assert!(matches!(err, Error::RoleMayNot { .. }), "{err}");
    let after = log(&store);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.last().unwrap().0, "refused");
    assert_eq!(store.read().unwrap().contact_count().unwrap(), 0);
    // Merging is a permission of its own: an auditor may not.
    assert!(matches!(
        rut.persons().merge(&code("ab85"), &code("cd12")),
        Err(Error::RoleMayNot { .. })
    ));
}

#[test]
fn a_change_that_fails_half_way_leaves_nothing() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    v.contacts()
        .add(contact("2024-01-01", "ab85", ""), false)
        .unwrap();
    let before = log(&store);
    // The third contact of the load carries an identifier: the whole load is refused.
    let load = vec![
        (contact("2024-02-01", "cd12", ""), None),
        (contact("2024-02-02", "ef34", ""), None),
        (contact("2024-02-03", "gh56", "ring 070-123 45 67"), None),
    ];
    assert!(v.contacts().load(&[], load).is_err());
    assert_eq!(log(&store), before);
    let reads = store.read().unwrap();
    assert_eq!(reads.contact_count().unwrap(), 1);
    assert_eq!(reads.peek_next_id(Sequence::Contacts).unwrap(), 2);
    assert_eq!(reads.peek_next_id(Sequence::Persons).unwrap(), 2);
}

#[test]
fn the_writer_keys_each_code_once_and_logs_the_range() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    let load = vec![
        (contact("2024-02-01", "cd12", ""), None),
        (contact("2024-02-02", "CD 12", ""), None),
        (contact("2024-02-03", "", ""), None),
        (contact("2024-02-04", "ef34", ""), None),
    ];
    assert_eq!(v.contacts().load(&[], load).unwrap(), (0, 4));
    let reads = store.read().unwrap();
    let mut persons = 0;
    reads
        .scan_persons(i64::MIN, &mut |_, _| {
            persons += 1;
            NEXT
        })
        .unwrap();
    assert_eq!(
        persons, 2,
        "cd12 and ef34; the unidentified contact has none"
    );
    drop(reads);
    assert_eq!(
        log(&store).last().unwrap(),
        &("import".to_string(), "contacts:1-4".to_string())
    );
}

#[test]
fn merges_count_two_codes_once_and_undo_cleanly() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    v.contacts()
        .add(contact("2024-01-01", "ab85", ""), false)
        .unwrap();
    v.contacts()
        .add(contact("2024-02-01", "ab58", ""), false)
        .unwrap();
    v.persons().merge(&code("ab85"), &code("ab58")).unwrap();
    let merged = v.persons().lookup(&code("ab58")).unwrap().unwrap();
    assert_eq!(merged.earlier, 2, "both codes' contacts");
    assert_eq!(
        merged.person_id,
        v.persons()
            .lookup(&code("ab85"))
            .unwrap()
            .unwrap()
            .person_id
    );
    v.persons().unmerge(&code("ab58")).unwrap();
    assert_eq!(
        v.persons().lookup(&code("ab58")).unwrap().unwrap().earlier,
        1
    );
    // Every merge and unmerge committed to the merges table as it left it.
    let facts = v.audit().facts(None, None).unwrap();
    assert!(facts.log.content.is_empty(), "{:?}", facts.log.content);
}

#[test]
fn after_a_rekey_every_value_opens_and_codes_still_match() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    v.contacts()
        .add(contact("2024-01-01", "ab85", "en anteckning"), false)
        .unwrap();
    let summary = v.lifecycle().rekey().unwrap();
    assert_eq!((summary.key_version, summary.contacts), (2, 1));
    let mut notes = Vec::new();
    v.contacts()
        .export(|c| {
            notes.push(c.note.to_string());
            Ok(())
        })
        .unwrap();
    assert_eq!(notes, ["en anteckning"]);
    assert_eq!(
        v.persons().lookup(&code("ab85")).unwrap().unwrap().earlier,
        1
    );
    // A new session opens the rekeyed database and verifies its log.
    let mut again = sign_in(&store, "admin");
    let entries = again.audit().verify_chain().unwrap().unwrap();
    assert_eq!(entries as usize, log(&store).len());
}

#[test]
fn forgetting_a_person_removes_every_contact_of_theirs() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    for day in ["2024-01-01", "2024-02-01"] {
        v.contacts().add(contact(day, "ab85", ""), false).unwrap();
    }
    v.contacts()
        .add(contact("2024-03-01", "cd12", ""), false)
        .unwrap();
    let plan = v.lifecycle().plan_forget(&code("AB-85")).unwrap();
    assert_eq!((plan.contacts(), plan.codes()), (2, 1));
    assert_eq!(v.lifecycle().forget(&plan).unwrap(), (2, true));
    assert!(v.persons().lookup(&code("ab85")).unwrap().is_none());
    assert_eq!(store.read().unwrap().contact_count().unwrap(), 1);
    // The log names ids and a count, never the code.
    let (action, objects) = log(&store).pop().unwrap();
    assert_eq!(action, "forget");
    assert!(!objects.to_lowercase().contains("ab85"), "{objects}");
}

#[test]
fn forgetting_one_code_of_a_merged_person_erases_the_whole_person() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    v.contacts()
        .add(contact("2024-01-01", "ab85", ""), false)
        .unwrap();
    for day in ["2024-02-01", "2024-02-02"] {
        v.contacts().add(contact(day, "ab58", ""), false).unwrap();
    }
    v.contacts()
        .add(contact("2024-03-01", "cd12", ""), false)
        .unwrap();
    v.persons().merge(&code("ab85"), &code("ab58")).unwrap();
    let plan = v.lifecycle().plan_forget(&code("AB-85")).unwrap();
    assert_eq!((plan.contacts(), plan.codes()), (3, 2));
    // Planning writes nothing.
    let entries = log(&store).len();
    assert_eq!(store.read().unwrap().contact_count().unwrap(), 4);
    assert_eq!(v.lifecycle().forget(&plan).unwrap(), (3, true));
    assert_eq!(log(&store).len(), entries + 1);
    for c in ["ab85", "ab58"] {
        assert!(v.persons().lookup(&code(c)).unwrap().is_none(), "{c}");
    }
    assert_eq!(store.read().unwrap().contact_count().unwrap(), 1);
    assert!(store.read().unwrap().merges().unwrap().is_empty());
    let (action, objects) = log(&store).pop().unwrap();
    assert_eq!(
        (action.as_str(), objects.as_str()),
        ("forget", "contacts:1-3")
    );
}

#[test]
fn a_forget_plan_made_before_a_change_erases_nothing() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    v.contacts()
        .add(contact("2024-01-01", "ab85", ""), false)
        .unwrap();
    v.contacts()
        .add(contact("2024-02-01", "ab58", ""), false)
        .unwrap();
    let plan = v.lifecycle().plan_forget(&code("ab85")).unwrap();
    v.persons().merge(&code("ab85"), &code("ab58")).unwrap();
    assert!(v.lifecycle().forget(&plan).is_err());
    assert_eq!(store.read().unwrap().contact_count().unwrap(), 2);
}

#[test]
fn plans_count_without_writing() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    v.contacts()
        .add(contact("2015-01-01", "ab85", "gammal"), false)
        .unwrap();
    v.contacts()
        .add(contact("2024-01-01", "ab85", "ny"), false)
        .unwrap();
    v.staff().add("olle", StaffRole::Outreach, &pass()).unwrap();
    let entries = log(&store).len();
    assert_eq!(v.lifecycle().plan_purge("2016-01-01").unwrap(), 1);
    let r = v.lifecycle().plan_rekey().unwrap();
    assert_eq!(
        (r.key_version, r.contacts, r.persons, r.users, r.slots),
        (2, 2, 1, 2, 2)
    );
    assert_eq!(r.audit_entries as usize, entries);
    let d = v.staff().plan_disable("olle").unwrap();
    assert_eq!((d.key_version, d.slots), (2, 1));
    assert!(v.staff().plan_disable("admin").is_err(), "the last admin");
    assert!(v.staff().plan_disable("nobody").is_err());
    assert_eq!(log(&store).len(), entries);
    let real = v.lifecycle().rekey().unwrap();
    assert_eq!((real.contacts, real.persons, real.slots), (2, 1, 2));
}

#[test]
fn lookups_log_the_person_shown_by_handle_once_per_sign_in_never_the_code() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    v.contacts()
        .add(contact("2024-01-02", "ab85", ""), false)
        .unwrap();
    v.contacts()
        .add(contact("2024-01-03", "cd12", ""), false)
        .unwrap();
    let before = log(&store).len();
    let known = v.persons().lookup(&code("ab85")).unwrap().unwrap();
    // The same person again, in the same sign-in: not logged twice.
    v.persons().lookup(&code("AB 85")).unwrap().unwrap();
    let entries = log(&store);
    assert_eq!(entries.len(), before + 1);
    // Named by its handle under this key version, not by its id.
    assert_eq!(
        entries.last().unwrap(),
        &(
            "person_lookup".to_string(),
            format!("person:{}", v.keys.person_handle(known.person_id))
        )
    );
    assert_eq!(entries.last().unwrap().1.len(), "person:".len() + 16);
    // A rekey gives every person a new handle: a key kept from before names no one after.
    let before_rekey = v.keys.person_handle(known.person_id);
    v.lifecycle().rekey().unwrap();
    assert_ne!(v.keys.person_handle(known.person_id), before_rekey);
    // An unknown code one edit from a known one: the suggestion is logged by its handle.
    let index = v.persons().index().unwrap();
    let near = v.persons().did_you_mean(&index, &code("cd13"), 3).unwrap();
    assert_eq!(near.len(), 1);
    let (action, objects) = log(&store).last().unwrap().clone();
    assert_eq!(action, "person_lookup");
    // A handle (16 hex digits), never the code.
    let handle = objects.strip_prefix("person:").unwrap_or("");
    assert!(
        handle.len() == 16 && handle.bytes().all(|b| b.is_ascii_hexdigit()),
        "{objects}"
    );
    // No code reaches the log's details either (hashes and keys, which are hex, can hold any
    // run of hex digits by chance and are left out).
    store
        .read()
        .unwrap()
        .scan_audit_log(&mut |r| {
            let words: Vec<&str> = r
                .detail
                .split([' ', '=', ':', ','])
                .filter(|w| !(w.len() >= 16 && w.bytes().all(|b| b.is_ascii_hexdigit())))
                .collect();
            assert!(
                words
                    .iter()
                    .all(|w| !w.contains("ab85") && !w.contains("cd1")),
                "{}",
                r.detail
            );
            NEXT
        })
        .unwrap();
}

/// A city of two units: Stockholm (the administrator's) and Göteborg (`sara`, outreach).
fn city_of_two(store: &MemoryStore) -> Vault {
    let mut admin = new_vault(store);
    admin.staff().add_unit("stockholm").unwrap();
    let goteborg = admin.staff().add_unit("goteborg").unwrap();
    admin
        .staff()
        .add_in("sara", StaffRole::Outreach, goteborg, &pass())
        .unwrap();
    admin
}

#[test]
fn another_units_person_is_unknown_to_a_unit_however_the_code_is_typed() {
    let store = MemoryStore::new();
    let mut admin = city_of_two(&store);
    // Stockholm met AB85 and CD12; Göteborg met CD12 too.
    for c in ["ab85", "cd12"] {
        admin
            .contacts()
            .add(contact("2024-01-01", c, "stockholms"), false)
            .unwrap();
    }
    let mut sara = sign_in(&store, "sara");
    sara.contacts()
        .add(contact("2024-02-01", "cd12", "göteborgs"), false)
        .unwrap();
    // To Göteborg, AB85 is unknown: no lookup, no history, no suggestion one edit away.
    assert!(sara.persons().lookup(&code("ab85")).unwrap().is_none());
    assert!(sara.persons().history(&code("ab85")).unwrap().is_none());
    let index = sara.persons().index().unwrap();
    assert!(sara
        .persons()
        .did_you_mean(&index, &code("ab86"), 3)
        .unwrap()
        .is_empty());
    // CD12 is known to both, each seeing only its own contact of them; the city one person.
    let seen = sara.persons().lookup(&code("cd12")).unwrap().unwrap();
    assert_eq!(seen.earlier, 1);
    let history = sara.persons().history(&code("cd12")).unwrap().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(&*history[0].contact.note, "göteborgs");
    assert_eq!(
        sara.persons()
            .did_you_mean(&index, &code("cd13"), 3)
            .unwrap()
            .len(),
        1
    );
    // Stockholm's index suggests its own.
    let index = admin.persons().index().unwrap();
    assert_eq!(
        admin
            .persons()
            .did_you_mean(&index, &code("ab86"), 3)
            .unwrap()
            .len(),
        1
    );
}

/// A unit merges and unmerges only persons it has met: persons are the city's, so another
/// unit's lead merging Stockholm's codes (a code is easily guessed) would change Stockholm's
/// count of individuals. Refused as unknown codes, before anything says whether two codes are
/// one person already; nothing written, nothing logged.
#[test]
fn a_unit_merges_and_unmerges_only_persons_it_has_met() {
    let store = MemoryStore::new();
    let mut admin = city_of_two(&store);
    let goteborg = admin.units().named()[1].0;
    admin
        .staff()
        .add_in("gus", StaffRole::Lead, goteborg, &pass())
        .unwrap();
    for c in ["ab85", "cd12", "kl90"] {
        admin
            .contacts()
            .add(contact("2024-01-01", c, ""), false)
            .unwrap();
    }
    let mut gus = sign_in(&store, "gus");
    for c in ["ef34", "gh56", "kl90"] {
        gus.contacts()
            .add(contact("2024-02-01", c, ""), false)
            .unwrap();
    }
    admin.persons().merge(&code("ab85"), &code("kl90")).unwrap();
    let individuals = |v: &mut Vault| {
        v.stats()
            .count(
                crate::vault::StatsPurpose::Screen,
                &[crate::stats::Query::default()],
                &mut [],
            )
            .unwrap()[0]
            .totals
            .individuals
    };
    // Stockholm: AB85 (KL90 declared the same person) and CD12.
    assert_eq!(individuals(&mut admin), 2);
    let entries = log(&store).len();
    let merges = store.read().unwrap().merges().unwrap();
    let unknown = |r: Result<()>| matches!(r, Err(Error::Input(Msg::MergeUnknown)));
    // Two of Stockholm's; one of each, either way round; AB85 with Stockholm's CD12 (AB85 is
    // one person with KL90, whom Göteborg met, as a lookup shows Göteborg: the city's merges).
    assert!(unknown(gus.persons().merge(&code("cd12"), &code("cd12"))));
    assert!(unknown(gus.persons().merge(&code("ef34"), &code("cd12"))));
    assert!(unknown(gus.persons().merge(&code("cd12"), &code("ef34"))));
    assert!(unknown(gus.persons().merge(&code("ab85"), &code("cd12"))));
    // Stockholm's declaration is not Göteborg's to undo (AB85 is Stockholm's pseudonym).
    assert!(matches!(
        gus.persons().unmerge(&code("ab85")),
        Err(Error::Input(Msg::CodeNotKnown))
    ));
    assert_eq!(log(&store).len(), entries, "nothing logged");
    assert_eq!(store.read().unwrap().merges().unwrap(), merges);
    assert_eq!(individuals(&mut admin), 2);
    // Its own: merged and undone; and the same of Stockholm's by Stockholm.
    gus.persons().merge(&code("ef34"), &code("gh56")).unwrap();
    assert!(matches!(
        admin.persons().unmerge(&code("gh56")),
        Err(Error::Input(Msg::CodeNotKnown))
    ));
    gus.persons().unmerge(&code("gh56")).unwrap();
    // KL90 both met: either may undo its declaration.
    gus.persons().unmerge(&code("kl90")).unwrap();
    admin.persons().merge(&code("cd12"), &code("ab85")).unwrap();
    let facts = admin.audit().facts(None, None).unwrap();
    assert!(facts.log.content.is_empty(), "{:?}", facts.log.content);
}

#[test]
fn the_interfaces_period_of_a_unit_is_its_own_first_and_last_day() {
    let store = MemoryStore::new();
    let mut admin = city_of_two(&store);
    for day in ["2019-05-05", "2025-11-30"] {
        admin
            .contacts()
            .add(contact(day, "ab85", ""), false)
            .unwrap();
    }
    let mut sara = sign_in(&store, "sara");
    // Before Göteborg logs anything it has no period; then only its own days.
    assert_eq!(sara.stats().date_range().unwrap(), None);
    sara.contacts()
        .add(contact("2022-05-05", "cd12", ""), false)
        .unwrap();
    let own = Some(("2022-05-05".to_string(), "2022-05-05".to_string()));
    assert_eq!(sara.stats().date_range().unwrap(), own);
    // Stockholm's is its own.
    let stockholm = Some(("2019-05-05".to_string(), "2025-11-30".to_string()));
    assert_eq!(admin.stats().date_range().unwrap(), stockholm);
}

/// A merge written into the table outside uppsok (on a server, by someone holding a unit's
/// database password; red team round 7) is never signed in by the next change of merges: a
/// merge, an unmerge or a forget first checks the table against the last signed entry and
/// refuses, changing nothing; the audit names it until the row is gone.
#[test]
fn a_merge_written_outside_uppsok_is_not_signed_in_by_the_next_change_of_merges() {
    let store = MemoryStore::new();
    let mut v = new_vault(&store);
    for (day, c) in [
        ("2024-01-01", "ab85"),
        ("2024-02-01", "ab58"),
        ("2024-03-01", "cd12"),
        ("2024-04-01", "ef34"),
    ] {
        v.contacts().add(contact(day, c, ""), false).unwrap();
    }
    let id = |v: &mut Vault, c: &str| v.persons().lookup(&code(c)).unwrap().unwrap().person_id;
    let (ab58, cd12, ef34) = (id(&mut v, "ab58"), id(&mut v, "cd12"), id(&mut v, "ef34"));
    let forged = crate::storage::MergeRow {
        person_id: ef34,
        merged_into: cd12,
        merged_by: v.user().id,
        merged_at: "2024-05-01T00:00:00Z".into(),
    };
    let mut outside = store.reopen();
    let tx = outside.write().unwrap();
    tx.insert_merge(&forged).unwrap();
    tx.commit().unwrap();
    let refused = |r: Result<()>| match r {
        Err(Error::Failed(Msg::RecordNotAsLogged { kind, .. })) => kind,
        other => panic!("{other:?}"),
    };
    // No entry committed to a merge yet: the table must be empty.
    assert_eq!(
        refused(v.persons().merge(&code("ab85"), &code("ab58"))),
        "not_committed"
    );
    refused(v.persons().unmerge(&code("ef34")));
    let plan = v.lifecycle().plan_forget(&code("ab85")).unwrap();
    assert!(matches!(
        v.lifecycle().forget(&plan),
        Err(Error::Failed(Msg::RecordNotAsLogged { .. }))
    ));
    // Nothing was changed, and the audit still names the row.
    assert_eq!(store.read().unwrap().merges().unwrap(), vec![forged]);
    assert_eq!(store.read().unwrap().contact_count().unwrap(), 4);
    let facts = v.audit().facts(None, None).unwrap();
    assert!(
        facts
            .log
            .content
            .iter()
            .any(|(record, _)| record == "person_merges"),
        "{:?}",
        facts.log.content
    );
    // Removed again: the merge goes through.
    let tx = outside.write().unwrap();
    tx.delete_merge(ef34).unwrap();
    tx.commit().unwrap();
    v.persons().merge(&code("ab85"), &code("ab58")).unwrap();
    assert!(v.audit().facts(None, None).unwrap().log.content.is_empty());
    // And after a signed merge, a row removed outside uppsok is not signed in either.
    let tx = outside.write().unwrap();
    tx.delete_merge(ab58).unwrap();
    tx.commit().unwrap();
    assert_eq!(
        refused(v.persons().merge(&code("cd12"), &code("ef34"))),
        "content_differs"
    );
}
