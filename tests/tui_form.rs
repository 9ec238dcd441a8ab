//! State tests of the contact form: type-ahead, validation as you type, carry-over to the
//! next contact, and the unsaved-changes question. No terminal, no database.

use tui_input::InputRequest;

use uppsok::domain::{parse_date, AgeBand, ContactType, Districts, Gender, Role};
use uppsok::i18n::Lang;
use uppsok::pii::IdentifierKind;
use uppsok::tui::form::{pick, ContactForm, Field, Problem};

fn form() -> ContactForm {
    let today = parse_date("2026-06-15").unwrap();
    ContactForm::new(
        today,
        today,
        Some("sodermalm"),
        Some(ContactType::Outreach),
        Some(7),
    )
}

fn typ(f: &mut ContactForm, s: &str) {
    for c in s.chars() {
        f.edit(InputRequest::InsertChar(c));
    }
}

fn go(f: &mut ContactForm, field: Field) {
    f.focus = field;
}

#[test]
fn typing_the_start_of_a_value_picks_it() {
    assert_eq!(
        pick("s", &["sells", "buys", "other", "unknown"]),
        Ok("sells")
    );
    assert_eq!(pick("BU", &["sells", "buys"]), Ok("buys"));
    assert_eq!(
        pick("s", &["sodermalm", "skarholmen"]),
        Err(Problem::Ambiguous(vec![
            "sodermalm".into(),
            "skarholmen".into()
        ]))
    );
    assert_eq!(pick("x", &["sells"]), Err(Problem::NotAValue));
    assert_eq!(pick("", &["sells"]), Err(Problem::Required));
    // An exact value wins over being the start of a longer one.
    assert_eq!(pick("man", &["woman", "man"]), Ok("man"));

    let d = Districts::default();
    let mut f = form();
    go(&mut f, Field::Role);
    typ(&mut f, "b");
    assert_eq!(f.picked(Field::Role, &d).as_deref(), Some("buys"));
    f.next(&d);
    assert_eq!(
        f.text(Field::Role),
        "buys",
        "Tab writes the picked value out"
    );
    assert_eq!(f.focus, Field::Gender);
    f.previous(&d);
    assert_eq!(f.focus, Field::Role);
    // Up and down step through the values.
    f.cycle(&d, true);
    assert_eq!(f.text(Field::Role), "other");
    // Referrals: a list, each item picked by its start.
    go(&mut f, Field::Referrals);
    typ(&mut f, "he;ho");
    assert_eq!(
        f.picked(Field::Referrals, &d).as_deref(),
        Some("health;housing")
    );
    // Age band "u" is both under18 and unknown: never guessed.
    go(&mut f, Field::AgeBand);
    typ(&mut f, "u");
    assert!(matches!(
        f.problem(Field::AgeBand, &d),
        Some(Problem::Ambiguous(_))
    ));
    typ(&mut f, "nd");
    assert_eq!(f.picked(Field::AgeBand, &d).as_deref(), Some("under18"));
}

#[test]
fn problems_show_as_you_type() {
    let d = Districts::default();
    let mut f = form();
    assert_eq!(f.problem(Field::Role, &d), Some(Problem::Required));
    assert_eq!(f.problem(Field::Date, &d), None);
    go(&mut f, Field::Date);
    f.edit(InputRequest::DeletePrevChar);
    assert_eq!(f.problem(Field::Date, &d), Some(Problem::BadDate));
    typ(&mut f, "9");
    assert_eq!(f.problem(Field::Date, &d), Some(Problem::FutureDate));
    f.edit(InputRequest::DeletePrevChar);
    typ(&mut f, "4");
    assert_eq!(f.problem(Field::Date, &d), None);
    // The note: identifiers are flagged live, by kind, with the detector `add` uses.
    go(&mut f, Field::Note);
    typ(&mut f, "ring henne ");
    assert_eq!(f.problem(Field::Note, &d), None);
    typ(&mut f, "på 070-123 45 67");
    assert_eq!(
        f.problem(Field::Note, &d),
        Some(Problem::NoteIdentifier(IdentifierKind::Phone))
    );
    assert!(
        f.values(&d).is_none(),
        "a form with problems gives no values"
    );
}

fn fill(f: &mut ContactForm, d: &Districts) {
    for (field, text) in [
        (Field::Code, "ab85"),
        (Field::Role, "s"),
        (Field::Gender, "w"),
        (Field::AgeBand, "25"),
        (Field::Counterpart, "m"),
        (Field::Referrals, "he"),
        (Field::Note, "tired, wanted coffee"),
    ] {
        go(f, field);
        typ(f, text);
        f.next(d);
    }
}

#[test]
fn a_complete_form_gives_its_values_and_carries_the_date_and_the_nights_district_and_type_over() {
    let d = Districts::default();
    let mut f = form();
    assert!(!f.dirty);
    fill(&mut f, &d);
    assert!(f.dirty, "typing marks the form unsaved");
    assert!(f.problems(&d).is_empty(), "{:?}", f.problems(&d));
    let c = f.values(&d).unwrap();
    let a = c.attributes;
    assert_eq!(a.concern, None, "no question below 18");
    assert_eq!(c.date, parse_date("2026-06-15").unwrap());
    assert_eq!(c.field_night, Some(7));
    assert_eq!(a.role, Role::Sells);
    assert_eq!(a.age_band, AgeBand::From25To34);
    assert_eq!(a.district.as_str(), "sodermalm");
    assert_eq!(a.contact_type, ContactType::Outreach);
    assert!(!a.trafficking);
    assert_eq!(a.referrals.to_csv(), "health");

    // Next contact of the same night: the date stays, the district and type are the night's
    // (a contact met elsewhere that night does not move the next one), the rest is empty.
    go(&mut f, Field::Date);
    for _ in 0..10 {
        f.edit(InputRequest::DeletePrevChar);
    }
    typ(&mut f, "2026-06-14");
    go(&mut f, Field::District);
    for _ in 0..20 {
        f.edit(InputRequest::DeletePrevChar);
    }
    typ(&mut f, "norr");
    let next = f.carried_over(&d);
    assert_eq!(next.text(Field::Date), "2026-06-14");
    assert_eq!(next.text(Field::District), "Södermalm");
    assert_eq!(next.text(Field::ContactType), "outreach");
    assert_eq!(next.field_night, Some(7));
    for field in [
        Field::Code,
        Field::Role,
        Field::Gender,
        Field::AgeBand,
        Field::Note,
    ] {
        assert_eq!(next.text(field), "", "{field:?} is not carried over");
    }
    assert!(!next.dirty, "a fresh form has nothing unsaved");
    assert_eq!(next.focus, Field::Code);
}

#[test]
fn a_code_that_is_an_identifier_is_a_problem_of_the_code_field() {
    let d = Districts::default();
    for (code, kind) in [
        ("19850214-2386", IdentifierKind::Personnummer),
        ("850274-2383", IdentifierKind::Samordningsnummer),
        ("070-123 45 67", IdentifierKind::Phone),
        ("anna@example.se", IdentifierKind::Email),
    ] {
        let mut f = form();
        fill(&mut f, &d);
        assert!(f.values(&d).is_some(), "filled form is valid");
        f.set(Field::Code, code);
        assert_eq!(
            f.problem(Field::Code, &d),
            Some(Problem::CodeIdentifier(kind)),
            "{kind}"
        );
        assert!(f.values(&d).is_none(), "{kind}: no values, so no save");
    }
    // Codes as people give them, and an exported pseudonym, are no problem.
    let hex = format!("0701234567{}", "ab".repeat(27));
    for code in ["ab85", "AB 1985", "nick77", "", hex.as_str()] {
        let mut f = form();
        f.set(Field::Code, code);
        assert_eq!(f.problem(Field::Code, &d), None, "{code}");
    }
}

// ----- issue 13: defects seen in a night's logging --------------------------------------------

#[test]
fn typing_into_a_list_field_replaces_the_value_it_holds() {
    // Seen: `outreachon` and `noy` (the typed letters added to a carried value).
    let d = Districts::default();
    let mut f = form();
    go(&mut f, Field::Projects);
    f.next(&d); // to trafficking, which holds "no"
    assert_eq!(f.focus, Field::Trafficking);
    typ(&mut f, "y");
    assert_eq!(f.text(Field::Trafficking), "y");
    assert_eq!(f.picked(Field::Trafficking, &d).as_deref(), Some("yes"));
    // The contact type carried from the night: typing "on" gives online.
    go(&mut f, Field::District);
    f.next(&d);
    assert_eq!(f.focus, Field::ContactType);
    typ(&mut f, "on");
    assert_eq!(f.picked(Field::ContactType, &d).as_deref(), Some("online"));
    // Once typing has begun, letters are added as usual; so after moving the cursor.
    go(&mut f, Field::Role);
    f.next(&d);
    f.previous(&d);
    typ(&mut f, "bu");
    assert_eq!(f.text(Field::Role), "bu");
    f.edit(InputRequest::GoToPrevChar);
    typ(&mut f, "x");
    assert_eq!(f.text(Field::Role), "bxu");
    // The referrals are a list of several: typing adds to them.
    go(&mut f, Field::Referrals);
    typ(&mut f, "health;");
    f.next(&d);
    f.previous(&d);
    typ(&mut f, ";ho");
    assert_eq!(
        f.picked(Field::Referrals, &d).as_deref(),
        Some("health;housing")
    );
}

#[test]
fn under18_and_unknown_each_have_a_start_of_their_own() {
    let bands: Vec<&str> = AgeBand::ALL.iter().map(|a| a.as_str()).collect();
    assert!(matches!(pick("u", &bands), Err(Problem::Ambiguous(_))));
    assert_eq!(pick("<", &bands), Ok("under18"));
    assert_eq!(pick("<18", &bands), Ok("under18"));
    assert_eq!(pick("?", &bands), Ok("unknown"));
    assert_eq!(
        pick("?", &["sells", "buys", "other", "unknown"]),
        Ok("unknown")
    );
    assert_eq!(pick("<", &["sells", "buys"]), Err(Problem::NotAValue));
    let mut f = form();
    go(&mut f, Field::AgeBand);
    typ(&mut f, "<");
    assert!(f.under18(), "the under-18 question is asked");
}

#[test]
fn the_next_contact_of_a_night_starts_from_the_nights_district_and_type() {
    // Seen: an online contact on a street night carried `online` into the next one.
    let d = Districts::default();
    let mut f = form();
    go(&mut f, Field::ContactType);
    typ(&mut f, "online");
    go(&mut f, Field::District);
    typ(&mut f, "online");
    let next = f.carried_over(&d);
    assert_eq!(next.text(Field::ContactType), "outreach");
    assert_eq!(next.text(Field::District), "Södermalm");
    assert_eq!(next.field_night, Some(7));
    // Without a night, the last contact's values carry over as before.
    let today = parse_date("2026-06-15").unwrap();
    let mut f = ContactForm::new(today, today, None, None, None);
    go(&mut f, Field::ContactType);
    typ(&mut f, "online");
    assert_eq!(f.carried_over(&d).text(Field::ContactType), "online");
}

#[test]
fn a_paste_joins_its_lines_with_a_space_and_never_moves_on() {
    // Seen: a pasted newline saved the contact and the next line landed in the next form's
    // code field; with bracketed paste, lines were glued without a space.
    let mut f = form();
    go(&mut f, Field::Note);
    f.paste("första raden\r\nandra raden\n\ntredje\n");
    assert_eq!(f.text(Field::Note), "första raden andra raden tredje");
    assert_eq!(f.focus, Field::Note);
    assert_eq!(uppsok::tui::form::pasted_line("a\tb"), "a b");
}

#[test]
fn in_swedish_values_are_shown_and_typed_in_swedish() {
    // Seen: with --lang sv every value was English (sells, woman, outreach, street, `[no]`),
    // type-ahead refused Swedish starts (`sä`, `k`, `j`) and districts had no å, ä or ö.
    let d = Districts::default();
    let f = form().in_lang(Lang::Sv, &d);
    assert_eq!(f.text(Field::District), "Södermalm");
    assert_eq!(f.text(Field::ContactType), "uppsökande");
    assert_eq!(f.text(Field::Trafficking), "nej");
    let mut f = f;
    for (field, typed, value, shown) in [
        (Field::Role, "sä", "sells", "säljer"),
        (Field::Role, "k", "buys", "köper"),
        (Field::Gender, "kv", "woman", "kvinna"),
        (Field::Gender, "i", "nonbinary", "icke-binär"),
        (Field::AgeBand, "u", "under18", "under 18"),
        (Field::Counterpart, "bå", "both", "båda"),
        (Field::Counterpart, "ba", "both", "båda"),
        (Field::District, "sö", "sodermalm", "Södermalm"),
        (Field::District, "ö", "ostermalm", "Östermalm"),
        (
            Field::District,
            "hägersten",
            "hagersten-alvsjo",
            "Hägersten-Älvsjö",
        ),
        (
            Field::District,
            "hagersten",
            "hagersten-alvsjo",
            "Hägersten-Älvsjö",
        ),
        (Field::ContactType, "s", "counselling", "samtalsstöd"),
        (Field::ContactType, "p", "police", "polisinsats"),
        (Field::Trafficking, "j", "yes", "ja"),
        // The English spelling, typed whole, is still a value (as in a file).
        (Field::Role, "sells", "sells", "säljer"),
    ] {
        go(&mut f, field);
        for _ in 0..30 {
            f.edit(InputRequest::DeletePrevChar);
        }
        typ(&mut f, typed);
        assert_eq!(f.picked(field, &d).as_deref(), Some(value), "{typed}");
        assert_eq!(f.picked_label(field, &d).as_deref(), Some(shown), "{typed}");
        f.next(&d);
        assert_eq!(f.text(field), shown, "Tab writes out the Swedish word");
    }
    // `o` is the start of Östermalm (typed without its accent) and of `okänt`: ambiguous.
    go(&mut f, Field::District);
    for _ in 0..30 {
        f.edit(InputRequest::DeletePrevChar);
    }
    typ(&mut f, "o");
    assert!(
        matches!(f.problem(Field::District, &d), Some(Problem::Ambiguous(ref l)) if l.contains(&"Östermalm".to_string())),
        "{:?}",
        f.problem(Field::District, &d)
    );
    go(&mut f, Field::Referrals);
    typ(&mut f, "h; skyddat boende");
    assert_eq!(
        f.picked(Field::Referrals, &d).as_deref(),
        Some("health;shelter")
    );
    f.next(&d);
    assert_eq!(
        f.text(Field::Referrals),
        "hälso- och sjukvård; skyddat boende"
    );
    go(&mut f, Field::District);
    for _ in 0..30 {
        f.edit(InputRequest::DeletePrevChar);
    }
    typ(&mut f, "sö");
    // Whatever language the form speaks, it gives the one spelling of each value.
    let (a, concern) = {
        go(&mut f, Field::Concern);
        typ(&mut f, "g");
        let c = f.values(&d).expect("complete");
        (c.attributes.clone(), c.attributes.concern)
    };
    assert_eq!(a.role, Role::Sells);
    assert_eq!(a.gender, Gender::Nonbinary);
    assert_eq!(a.age_band, AgeBand::Under18);
    assert_eq!(a.district.as_str(), "sodermalm");
    assert_eq!(a.contact_type, ContactType::Police);
    assert!(a.trafficking);
    assert_eq!(concern.map(|c| c.as_str()), Some("made"));
    // Prefill from a stored contact shows Swedish words too.
    let mut g = form().in_lang(Lang::Sv, &d);
    g.prefill(&a);
    assert_eq!(g.text(Field::Role), "säljer");
    assert_eq!(g.text(Field::AgeBand), "under 18");
    // And a list field steps through Swedish words.
    go(&mut g, Field::Counterpart);
    g.cycle(&d, true);
    assert_eq!(g.text(Field::Counterpart), "okänt", "after båda");
}
