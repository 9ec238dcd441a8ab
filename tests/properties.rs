//! Property tests (proptest): no input makes the CSV import, the envelope decoder, the
//! recovery-key parser or code normalisation panic, and normalisation is idempotent. These
//! stand in for cargo-fuzz targets; each runs a few hundred random cases per `cargo test`.

use proptest::prelude::*;

use uppsok::crypto::{MasterKey, Place, RecoveryKey};
use uppsok::domain::{Districts, PersonCode};

const HEADER: &str =
    "date,person_code,role,gender,age_band,counterpart,district,contact_type,referrals,trafficking,note\n";

fn read_all(bytes: &[u8]) {
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    if let Ok(rows) = uppsok::csv_io::read_contacts(
        bytes,
        (Districts::default(), Default::default()),
        today,
        false,
    ) {
        for row in rows.take(10_000) {
            let _ = row;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("UPPSOK_PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(400)))]

    #[test]
    fn csv_import_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        read_all(&bytes);
    }

    #[test]
    fn csv_import_never_panics_on_rows_after_a_valid_header(
        body in proptest::collection::vec(
            prop_oneof![Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b';'), any::<u8>(),
                        Just(b'a'), Just(b'-'), Just(b'2'), Just(0xC3u8), Just(0xA5u8)],
            0..2048),
    ) {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend(body);
        read_all(&bytes);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend(bytes);
        read_all(&bom);
    }

    #[test]
    fn the_envelope_decoder_never_panics_and_never_accepts_garbage(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
        row in any::<i64>(),
    ) {
        let keys = MasterKey::generate(1).derive(uppsok::crypto::KeyScheme::PerCapability);
        let ad = Place::ContactNote(row);
        prop_assert!(keys.open(ad, &bytes).is_err());
        let _ = uppsok::crypto::key_version(&bytes);
        // A real envelope with bytes changed, cut or added never opens either.
        let mut env = keys.seal(ad, b"kort anteckning").unwrap();
        let i = (row.unsigned_abs() as usize) % env.len();
        env[i] ^= 1 | (bytes.first().copied().unwrap_or(0) & 0xfe);
        prop_assert!(keys.open(ad, &env).is_err());
        env.truncate(i);
        prop_assert!(keys.open(ad, &env).is_err());
    }

    #[test]
    fn code_normalisation_is_idempotent_and_never_panics(raw in any::<String>()) {
        if let Some(code) = PersonCode::normalise(&raw) {
            let once = std::str::from_utf8(code.as_bytes()).unwrap().to_string();
            prop_assert!(!once.is_empty());
            prop_assert!(!once.chars().any(|c| c.is_whitespace() || c == '-'));
            let twice = PersonCode::normalise(&once).expect("a normalised code stays a code");
            prop_assert_eq!(twice.as_bytes(), once.as_bytes());
        }
    }

    #[test]
    fn normalising_a_normalised_code_changes_nothing_even_among_combining_marks(
        chars in proptest::collection::vec(
            prop_oneof![
                Just('-'), Just(' '), Just('\u{a0}'),
                // Letters with and without a composition, capitals, Hebrew presentation forms
                // that composition splits, Hangul jamo.
                proptest::char::range('A', 'z'), proptest::char::range('\u{c0}', '\u{17f}'),
                proptest::char::range('\u{1e00}', '\u{1eff}'), proptest::char::range('\u{fb1d}', '\u{fb4f}'),
                proptest::char::range('\u{1100}', '\u{11ff}'), proptest::char::range('\u{ac00}', '\u{ac40}'),
                // Combining marks of many classes.
                proptest::char::range('\u{300}', '\u{36f}'), proptest::char::range('\u{591}', '\u{5c7}'),
                proptest::char::range('\u{1dc0}', '\u{1dff}'), proptest::char::range('\u{112e0}', '\u{112ea}'),
                proptest::char::range('\u{20d0}', '\u{20f0}'), Just('\u{130}'), Just('\u{3a3}'),
            ],
            1..12),
    ) {
        let raw: String = chars.into_iter().collect();
        if let Some(code) = PersonCode::normalise(&raw) {
            let once = std::str::from_utf8(code.as_bytes()).unwrap().to_string();
            let twice = PersonCode::normalise(&once).expect("a normalised code stays a code");
            prop_assert_eq!(twice.as_bytes(), once.as_bytes(), "{:?}", raw);
        }
    }

    #[test]
    fn recovery_key_parsing_never_panics(raw in any::<String>()) {
        let _ = RecoveryKey::parse(&raw);
    }
}
