//! Every message in Swedish.

use super::*;
use crate::i18n::Lang::Sv;
use crate::storage::StorageError;

fn source(s: &Source) -> String {
    match s {
        Source::PassphraseFile(p) => format!("lösenfrasfilen {}", p.display()),
        Source::PassphraseTerminal => "lösenfrasen från terminalen".into(),
        Source::UserName => "användarnamnet".into(),
        Source::Stdin(what) => format!("{} från standard in", what.name(Sv)),
        Source::CodeTerminal => "koden från terminalen".into(),
        Source::RecoveryKeyFile(p) => format!("återställningsnyckelfilen {}", p.display()),
        Source::RecoveryKey => "återställningsnyckeln".into(),
        Source::ImportFile(p) => format!("{}", p.display()),
        Source::CsvFile => "CSV-filen".into(),
        Source::CsvHeader => "CSV-filens rubrikrad".into(),
    }
}

fn refusing(r: Refusing) -> &'static str {
    match r {
        Refusing::Rekey => "nyckelbytet",
        Refusing::Purge => "gallringen",
        Refusing::Merges => "ändringen av sammanslagna personer",
        Refusing::Forget => "raderingen",
    }
}

const RESTORE: &str = "Återställ en säkerhetskopia som klarar `uppsok audit`.";
const RESTORE_BOTH: &str = "återställ båda från en säkerhetskopia som klarar `uppsok audit`.";

pub(super) fn filter(p: &FilterProblem) -> String {
    match p {
        FilterProblem::NotAFilter(s) => format!(
            "'{s}' är inget filter; skriv det som DIMENSION=VÄRDE[,VÄRDE...], till exempel role=sells"
        ),
        FilterProblem::NotADimension(s) => format!(
            "'{s}' är ingen dimension; använd en av {}",
            crate::stats::Dimension::ALL.map(|d| d.as_str()).join(", ")
        ),
        FilterProblem::NoValue(s) => format!("filtret '{s}' anger inget värde"),
        FilterProblem::NotAValue {
            value,
            dimension,
            why,
        } => {
            let why = match why {
                ValueWhy::Expected(e) => e.text(Sv),
                ValueWhy::ExpectedOrNone(e) => format!("{}, eller none", e.text(Sv)),
                ValueWhy::Year => "måste vara ett år som ÅÅÅÅ".into(),
                ValueWhy::Month => "måste vara en månad som ÅÅÅÅ-MM".into(),
                ValueWhy::Project => "måste vara namnet på ett av enhetens projekt (se `uppsok project list`), eller none".into(),
                ValueWhy::Unit => "måste vara namnet på en av stadens enheter (se `uppsok unit list`)".into(),
            };
            format!("'{value}' är inget värde för {dimension}: {why}")
        }
    }
}

pub(super) fn storage(e: &StorageError) -> String {
    match e {
        StorageError::Missing(p) => format!(
            "det finns ingen uppsok-databas i {}; skapa en med `uppsok init --user NAMN`, eller ange rätt databas med --db eller UPPSOK_DB",
            p.display()
        ),
        StorageError::AlreadyExists(p) => format!(
            "det finns redan en fil i {}; välj en annan sökväg med --db, eller ta bort filen först",
            p.display()
        ),
        StorageError::NotUppsok(p, why) => format!(
            "{} är ingen uppsok-databas (eller så är den skadad): {why}",
            p.display()
        ),
        StorageError::Format(p, f) => format!(
            "{} är en uppsok-databas i format {f}, som den här versionen inte kan läsa; använd en nyare uppsok",
            p.display()
        ),
        StorageError::Busy => "databasen är upptagen: en annan uppsok-process skriver i den; försök igen om en stund".into(),
        StorageError::Backend(e) => format!("databasfel: {e}"),
        StorageError::Create(p, e) => format!("kan inte skapa {}: {e}", p.display()),
        StorageError::KeyFileMissing(p) => format!(
            "databasens nyckelfil {} saknas; en databas är två filer, databasen och nyckelfilen bredvid den: lägg tillbaka nyckelfilen som sparades med databasen (en säkerhetskopia `FIL` har `FIL.keys` med sig), eller {RESTORE_BOTH}",
            p.display()
        ),
        StorageError::KeyFileRead(p, e) => {
            format!("kan inte läsa nyckelfilen {}: {e}", p.display())
        }
        StorageError::WrongKey(p) => format!(
            "databasen i {} öppnas inte med nycklarna i nyckelfilen bredvid den: nyckelfilen hör till en annan databas, eller så har en av dem ändrats utanför uppsok; {RESTORE_BOTH}",
            p.display()
        ),
        StorageError::Changed(what) => format!(
            "databasen har ändrats utanför uppsok: en del av den går inte att autentisera ({what}); inget gjordes. Återställ den (med sin nyckelfil) från en säkerhetskopia som klarar `uppsok audit`"
        ),
        StorageError::NeedsUpgrade(p) => format!(
            "{} är en uppsok-databas i format 1 (inte krypterad som helhet); en administratör för över den till den här versionen med `uppsok upgrade` (en säkerhetskopia görs först)",
            p.display()
        ),
        StorageError::ServerBackup(at) => format!(
            "databasen på {at} ligger på en PostgreSQL-server, vars kopior görs med serverns egna verktyg: använd `pg_dump` av schemana `uppsok` och `uppsok_u*` (raderna förblir krypterade som de är; docs/deploy.md), eller `uppsok export` för ett kalkylblad"
        ),
        StorageError::NeedsUpgradeInPlace(p) => format!(
            "{} är en uppsok-databas i format 2 (loggen är ännu inte signerad av varje författare); en administratör för över den till den här versionen med `uppsok upgrade` (en säkerhetskopia görs först)",
            p.display()
        ),
    }
}

pub(super) fn door(d: Door<'_>) -> String {
    match d {
        Door::Wrong(name) => format!(
            "fel lösenfras för användaren '{name}', eller så finns ingen aktiv användare '{name}' i databasen (ingen med det namnet, eller avstängd); inget gjordes. Kontrollera båda och försök igen (är du säker på båda har nyckelfilen bredvid databasen ändrats utanför uppsok: återställ den från en säkerhetskopia)."
        ),
        Door::Disabled(name) => format!(
            "användaren '{name}' är avstängd; be en administratör om du behöver tillgång igen."
        ),
        Door::MayNot { name, role, what, allowed } => {
            let ask: Vec<String> = allowed.iter().map(|r| format!("en {}", r.label(Sv))).collect();
            format!(
                "användaren '{name}' har rollen {} och får inte {}; inget gjordes. Be {}.",
                role.label(Sv),
                what[1],
                join(&ask, " eller ")
            )
        }
    }
}

fn join(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., end] => format!("{}{last}{end}", init.join(", ")),
    }
}

pub(super) fn text(m: &Msg) -> String {
    match m {
        Msg::NoDataDir => "hittar ingen datakatalog för databasen; ange en med --db SÖKVÄG eller UPPSOK_DB.".into(),
        Msg::DemoNoDataDir => "hittar ingen datakatalog för demodatabasen; ange en med --db SÖKVÄG.".into(),
        Msg::NotADemo { path } => format!(
            "databasen {} finns redan och är ingen demodatabas (den öppnas inte som användaren '{}' med lösenfrasen '{}' och rollen admin); välj en annan med --db SÖKVÄG.",
            path.display(),
            crate::demo::USER,
            crate::demo::PASSPHRASE
        ),
        Msg::CannotRead { source: Source::ImportFile(p), error } => {
            format!("kan inte öppna {}: {error}.", p.display())
        }
        Msg::CannotRead { source: s, error } => format!("kan inte läsa {}: {error}.", source(s)),
        Msg::PassphraseFileEmpty { path } => format!("lösenfrasfilen {} är tom.", path.display()),
        Msg::PassphraseEmpty => "lösenfrasen är tom; inget gjordes.".into(),
        Msg::PassphrasesDiffer => "de två lösenfraserna är olika; inget gjordes. Försök igen.".into(),
        Msg::NoUserNoTerminal => "ingen användare angiven; ange --user NAMN eller sätt UPPSOK_USER (det finns ingen terminal att fråga i).".into(),
        Msg::NoUserName => "inget användarnamn angivet; inget gjordes.".into(),
        Msg::NoPassphraseNoTerminal => "ingen lösenfras angiven och ingen terminal att fråga i; ange --passphrase-file SÖKVÄG eller sätt UPPSOK_PASSPHRASE.".into(),
        Msg::NoNewPassphraseNoTerminal => "ingen ny lösenfras angiven och ingen terminal att fråga i; ange --new-passphrase-file SÖKVÄG eller sätt UPPSOK_NEW_PASSPHRASE.".into(),
        Msg::NoRecoveryKeyNoTerminal => "ingen återställningsnyckel angiven och ingen terminal att fråga i; ange --recovery-key-file SÖKVÄG eller sätt UPPSOK_RECOVERY_KEY.".into(),
        Msg::RecoveryKeyMistyped { error } => format!("{error}; jämför det du skrev med papperskopian."),
        Msg::StdoutReadable { mode, export } => format!(
            "standard ut är en fil som andra kan läsa (läge {mode:04o}), så {} (dekrypterade uppgifter) skulle kunna läsas av andra användare på datorn; inget skrevs. Använd --out FIL (skapas med läge 0600), eller gör filen privat först (chmod 600 FIL, eller umask 077 före omdirigeringen).",
            if *export { "exporten" } else { "kontakten" }
        ),
        Msg::StdinTooLarge { what, kib } => format!(
            "standard in innehåller mer än {kib} KiB, långt mer än {} kan vara; inget gjordes. Kontrollera vad som skickas in.",
            what.name(Sv)
        ),
        Msg::StdinNotUtf8 { what } => format!(
            "{} som lästes från standard in är inte giltig UTF-8; inget gjordes. Spara eller skicka in den som UTF-8.",
            capitalise(what.name(Sv))
        ),
        Msg::StdinCodeLines => "standard in innehåller mer än en rad för --code -, och en kod är en rad; inget loggades. Lägg till --note - för att skicka in en anteckning också (första raden är då koden, resten anteckningen).".into(),
        Msg::StdinNoCode => "ingen kod lästes från standard in (--code -); inget loggades. Skicka in koden som första rad, eller utelämna --code för en oidentifierad kontakt.".into(),
        Msg::CodeEmpty => "koden är tom; ange den kod personen använder med --code (eller --code - och koden på standard in).".into(),
        Msg::EditCodeEmpty { id } => format!(
            "kontakt {id} ändrades inte: --code är tom; ange koden för den person kontakten hör till."
        ),
        Msg::CannotWrite { what: Written::Export, error } => format!("kan inte skriva exporten: {error}."),
        Msg::CannotWrite { what: Written::Stdout, error } => format!("kan inte skriva till standard ut: {error}."),
        Msg::CannotWrite { what: Written::File(p), error } => format!("kan inte skriva {}: {error}.", p.display()),
        Msg::CannotWrite { what: Written::MakePrivate(p), error } => format!("kan inte göra {} privat: {error}.", p.display()),
        Msg::ExportOntoDatabase { path } => format!(
            "exportfilen {} är själva databasen (eller en av dess filer); att skriva exporten dit skulle förstöra den. Välj en annan fil.",
            path.display()
        ),
        Msg::ReportOntoDatabase { path } => format!(
            "--out {} är själva databasen; välj en annan fil för rapporten.",
            path.display()
        ),
        Msg::MigrateNeedsServer => "migrate kopierar databasen till en PostgreSQL-server: ange --to postgres://ANVÄNDARE@VÄRD/DATABAS (docs/deploy.md); en kopia till en fil är `uppsok backup FIL`.".into(),
        Msg::BackupExists { path } => format!(
            "det finns redan en fil {}; välj ett nytt filnamn för säkerhetskopian.",
            path.display()
        ),
        Msg::NoSuchDirectory { path } => format!(
            "det finns ingen katalog {}; skapa den först, eller ange en annan sökväg med --db.",
            path.display()
        ),
        Msg::LockMinutes { value } => format!(
            "UPPSOK_LOCK_MINUTES '{value}' är inte ett helt antal minuter från 1 och uppåt."
        ),
        Msg::NoTerminal => "terminalgränssnittet behöver en terminal, och här finns ingen; kör ett kommando i stället (se `uppsok --help`).".into(),
        Msg::Terminal { op, error } => {
            let what = match op {
                TerminalOp::Open => "öppna terminalgränssnittet",
                TerminalOp::Draw => "rita gränssnittet",
                TerminalOp::ReadKeys => "läsa tangentbordet",
                TerminalOp::WatchSignals => "bevaka signaler",
            };
            format!("kan inte {what}: {error}.")
        }
        Msg::StoppedBySignal => "stoppades av en signal.".into(),
        Msg::NoTerminalToConfirm { plan } => format!(
            "{plan} Inget gjordes, eftersom det inte finns någon terminal att fråga i; lägg till --yes för att göra det utan fråga (eller --dry-run för att bara se vad som skulle hända)."
        ),
        Msg::NotConfirmed => "inte bekräftat; inget ändrades.".into(),
        Msg::NotesBefore { value } => format!("'{value}' är inget datum; ange --notes-before som ÅÅÅÅ-MM-DD."),

        Msg::DateFlag { flag, value, error } => format!("--{flag} '{value}': {}.", error.text(Sv)),
        Msg::UnusableYear { year } => format!("--year {year} är inget användbart år."),
        Msg::EmptyPeriod { from, to } => format!("perioden är tom: --from {from} ligger efter --to {to}."),
        Msg::By(p) => format!("--by: {}.", filter(p)),
        Msg::ByTwice { dimension } => format!("--by anger {dimension} två gånger."),
        Msg::Filter(p) => format!("--filter: {}.", filter(p)),
        Msg::EstimateBy { dimension } => format!(
            "--by {dimension}: skattningen kan bara delas upp per år (--by year)."
        ),
        Msg::CsvSeparator { value } => format!(
            "--csv-separator '{value}' är inget skiljetecken som uppsok skriver; använd ',', ';' eller tab."
        ),
        Msg::PublishTooManyDimensions { max } => format!(
            "--publish grupperar efter högst {max} dimensioner: en tabell med fler är nästan bara små antal, och den skyddas mot varje tabell med färre av dess dimensioner; ta bort några ur --by."
        ),
        Msg::PublishNotSafe { by, undecided } => format!(
            "Tabellen efter {by} kan inte publiceras med undertryckning: {} Publicera den med --method cellkey, eller gruppera efter färre dimensioner.",
            if *undecided {
                "kontrollen att den inte avslöjar något dolt antal tillsammans med tabeller som vem som helst kan publicera (de med färre av dess dimensioner, och de som delar ett dolt antal med den) blev inte klar i tid."
            } else {
                "tillsammans med tabeller som vem som helst kan publicera (de med färre av dess dimensioner, eller en som delar ett dolt antal med den) skulle den avslöja ett dolt antal."
            }
        ),
        Msg::PublishOverlaps { from, to, at } => format!(
            "Perioden överlappar perioden {} till {}, publicerad med undertryckning den {at} med kontakter som även denna publicering kan räkna, utan att vara samma period: drar man den ena från den andra syns kontakterna under de dagar bara den ena omfattar exakt, hur få de än är. Publicera samma period, eller en som inte överlappar den. (En enhet som behöver överlappande perioder publicerar alla med cellnyckelmetoden, vars brus inte går att dra bort.)",
            if from.is_empty() { "från början" } else { from },
            if to.is_empty() { "nu" } else { to },
        ),
        Msg::PublishChanged { at } => format!(
            "Perioden publicerades med undertryckning den {at} med kontakter som även denna publicering kan räkna, och dess kontakter är inte desamma som då (sena registreringar, rättelser eller sammanslagningar), eller så registrerade den publiceringen dem inte: drar man den ena från den andra syns ändringarna exakt. Håll er till den tidigare publiceringen. (En enhet som publicerar rättade siffror publicerar med cellnyckelmetoden.)"
        ),
        Msg::PublishOtherFilters { at } => format!(
            "Perioden publicerades med undertryckning den {at} med andra filter, som kan räkna några av samma kontakter: en filtrerad tabell är ett utsnitt av en större, och två utsnitt av samma period kan dras från varandra till ett tredje, exakt. Publicera med samma filter som då, eller gruppera efter dimensionen i stället för att filtrera på den (--by)."
        ),
        Msg::PublishOtherThreshold { at, threshold } => format!(
            "Perioden publicerades med undertryckning den {at} med --threshold {threshold}, med filter som kan räkna samma kontakter: ett antal som döljs under det ena tröskelvärdet och visas under det andra, eller de dolda summorna av båda, avslöjar varandra. Publicera med --threshold {threshold} igen."
        ),
        Msg::PublishOtherMethod { at } => format!(
            "Perioden, eller en som överlappar den, publicerades den {at} med den andra metoden för röjandeskydd, med filter som kan räkna samma kontakter: ett tal som cellnyckelmetoden flyttat, bredvid de exakta gränser undertryckningen ger för det, kan lämna ett enda värde. Publicera med den metod som användes då."
        ),
        Msg::PublishPeriodsOverlap => "Perioder som överlappar utan att vara samma kan inte publiceras tillsammans med undertryckning: drar man den ena tabellen från den andra syns kontakterna under de dagar bara den ena omfattar exakt. Publicera en av dem, eller använd --method cellkey.".to_string(),
        Msg::ThresholdTooLow { threshold: t, min } => format!(
            "--threshold {t} skyddar ingen (med {t} avslöjar '<{t}' antalet); använd {min} eller mer, 5 är standard."
        ),
        Msg::NotACheckpoint { value } => format!(
            "'{value}' är ingen kontrollpunkt; ange den exakt som `uppsok audit --checkpoint` skrev ut den (ett tal, '-', 32 hexadecimala siffror)."
        ),
        Msg::NotAFingerprint { value } => format!(
            "'{value}' är inget fingeravtryck; ange det som `uppsok init` skrev ut det (32 hexadecimala siffror, i grupper om fyra)."
        ),
        Msg::AuditFailed { checks } => format!(
            "granskningen underkändes ({}); se fynden ovan. En underkänd kontroll av encryption, audit_log eller integrity betyder att filen har ändrats utanför uppsok: spara rapporten och återställ från en säkerhetskopia som klarar granskningen.",
            checks.join(", ")
        ),

        Msg::ContactRefused { not_done, problems } => {
            let not_done = match not_done {
                NotDone::NotLogged => "kontakten loggades inte".to_string(),
                NotDone::NotChanged { id } => format!("kontakt {id} ändrades inte"),
            };
            let named: Vec<String> = problems
                .iter()
                .map(|p| match &p.given {
                    Some(v) => format!("--{} '{v}': {}", p.field.flag(), p.problem.error.text(Sv)),
                    None => format!("--{}: {}", p.field.flag(), p.problem.error.text(Sv)),
                })
                .collect();
            format!("{not_done}: {}.", named.join("; "))
        }
        Msg::NightRefused { problems } => {
            let named: Vec<String> = problems
                .iter()
                .map(|(f, v, e)| format!("--{} '{v}': {}", f.flag(), e.text(Sv)))
                .collect();
            format!("uppsökarkvällen registrerades inte: {}.", named.join("; "))
        }
        Msg::NightProjectUnknown => "uppsökarkvällen registrerades inte: --project anger inget av enhetens projekt (se uppsok project list).".into(),
        Msg::NightProjectNotOnDate => "uppsökarkvällen registrerades inte: projektet i --project pågår inte kvällens datum; välj ett vars period täcker det (se uppsok project list).".into(),
        Msg::ProjectRefused { problems } => {
            let named: Vec<String> = problems
                .iter()
                .map(|(f, v, e)| match f.may_show_value() {
                    true => format!("--{} '{v}': {}", f.flag(), e.text(Sv)),
                    false => format!("{}: {}", f.flag().to_uppercase(), e.text(Sv)),
                })
                .collect();
            format!("projektet lades inte till: {}.", named.join("; "))
        }
        Msg::PeriodBackwards => "perioden slutar innan den börjar: --to får inte ligga före projektets första dag.".into(),
        Msg::PeriodOutsideProject { from, to } => format!("perioden ligger utanför projektets ({from} – {to}); ange ett år eller en period inom den, eller utelämna den för hela projektet."),
        Msg::ProjectNameReserved => "ett projekt kan inte heta 'none' eller 'ingen': ordet betyder inget projekt i --projects, --filter project= och tabellerna; välj ett annat namn.".into(),
        Msg::ProjectNameTaken => "enheten har redan ett projekt med det namnet (namn jämförs utan skiftläge, accenter, mellanslag och bindestreck, och bokstäver som bara ser likadana ut räknas som samma); välj ett annat namn.".into(),
        Msg::NoSuchUnit => "staden har ingen enhet med det namnet; lista dem med `uppsok unit list`.".into(),
        Msg::BadUnitName { max } => format!("en enhets namn är 1 till {max} gemena bokstäver, siffror, '-' och '_', och börjar med en bokstav eller siffra (till exempel stockholm eller mika-goteborg)."),
        Msg::BadDatabaseRole => "en enhets databasroll har ett namn av 1 till 63 gemena ASCII-bokstäver, siffror och '_', som börjar med en bokstav eller '_' (till exempel uppsok_goteborg).".into(),
        Msg::UnitRoleNeedsServer => "bara en databas på en PostgreSQL-server har roller per enhet; en fil öppnas bara med användarnas lösenfraser (docs/deploy.md, \"A role per unit\").".into(),
        Msg::UnitExists { name } => format!("staden har redan en enhet som heter {name}; lista dem med `uppsok unit list`."),
        Msg::UnitNeedsCity => "siffror per enhet, eller för en annan enhet, är stadens: ange --city (en administratör får). Utan det ser du din egen enhets siffror.".into(),
        Msg::NoSuchProject => "enheten har inget projekt med det namnet; lista dem med `uppsok project list`.".into(),
        Msg::ProjectHasLaterContacts { count } => format!(
            "projektet avslutades inte: {} av dess kontakter är daterade efter den dagen; avsluta det en senare dag, eller rätta de kontakterna först.",
            Sv.number(*count)
        ),
        Msg::ActivityRefused { problems } => {
            let named: Vec<String> = problems
                .iter()
                .map(|(f, v, e)| format!("--{} '{v}': {}", f.flag(), e.text(Sv)))
                .collect();
            format!("aktiviteten registrerades inte: {}.", named.join("; "))
        }
        Msg::PublishMethodUnknown => "enhetens standardmetod för röjandeskydd som är sparad i databasen (publish_method) är ingen som uppsok känner till: filen har ändrats utanför uppsok. Kör `uppsok audit` och återställ en säkerhetskopia som klarar granskningen; ange under tiden `--method suppress` eller `--method cellkey`.".into(),
        Msg::NoSuchContact { id } => format!("det finns ingen kontakt {id}."),
        Msg::ContactGone { id } => format!("kontakt {id} finns inte längre; inget ändrades."),
        Msg::NoSuchNight { id } => format!("det finns ingen uppsökarkväll {id}; lista dem med `uppsok night list`."),
        Msg::NightNotWritten => "uppsökarkvällen som just skrevs finns inte.".into(),
        Msg::NoteIdentifier { kind, advice } => format!(
            "anteckningen innehåller något som ser ut som {}; anteckningar får inte identifiera någon. {}",
            kind_named(*kind, Sv),
            match advice {
                NoteAdvice::Remove => "Ta bort det.",
                NoteAdvice::RemoveOrAllow => "Ta bort det, eller ange --allow-identifiers om det verkligen behövs (det skrivs i granskningsloggen).",
            }
        ),
        Msg::NoteTooLong { error } => format!("anteckningen är för lång: {}.", error.text(Sv)),
        Msg::LoadNoteIdentifier { index, kind } => format!(
            "anteckningen i kontakt {index} av inläsningen innehåller något som ser ut som {}; inget skrevs.",
            kind_named(*kind, Sv)
        ),
        Msg::LoadNightMissing { index } => format!(
            "kontakt {index} av inläsningen anger en uppsökarkväll som inte finns i den; inget skrevs."
        ),
        Msg::ContactsOutOfOrder => "kontakterna kom till skrivaren i fel ordning; inget skrevs.".into(),
        Msg::ImportStopped => "importen stannade oväntat; inget importerades.".into(),
        Msg::MergeUnknown => "båda koderna måste höra till kända personer; inget ändrades.".into(),
        Msg::AlreadyOnePerson => "de två koderna är redan en person; inget ändrades.".into(),
        Msg::CodeNotKnown => "koden är okänd; inget ändrades.".into(),
        Msg::NotMerged => "den koden har inte angetts vara en annan person; inget ändrades.".into(),
        Msg::NoContactWithCode => "ingen kontakt har den här koden (efter normalisering); inget raderades. Kontrollera koden så som personen uppger den.".into(),
        Msg::KeysChangedSinceSignIn => "en administratör har bytt databasens nycklar (rekey, en avstängd användare eller en rensning) sedan du loggade in; inget sparades. Logga in igen och gör det en gång till.".into(),
        Msg::ForgetRaced => "personens kontakter eller sammanslagningar har ändrats sedan du fick veta vad som skulle raderas; inget raderades. Kör forget igen.".into(),
        Msg::UnknownDistrict { district } => format!("stadsdelen '{district}' finns inte i databasens lista över stadsdelar."),
        Msg::DistrictsDamaged => "listan över stadsdelar som är sparad i databasen är skadad.".into(),

        Msg::CsvHeaderNotUtf8 => "CSV-filens rubrikrad (rad 1) är inte giltig UTF-8; spara filen som UTF-8.".into(),
        Msg::CsvColumnTwice { column } => format!("CSV-filens rubrikrad (rad 1) anger kolumnen '{column}' två gånger; behåll en."),
        Msg::CsvUnknownColumn { column, columns } => format!(
            "CSV-filens rubrikrad (rad 1) har en okänd kolumn '{column}'; kolumnerna är {columns} (id och field_night hoppas över)."
        ),
        Msg::CsvMissingColumns { missing, required, optional } => format!(
            "CSV-filens rubrikrad (rad 1) saknar kolumnerna {missing}; filen behöver alla av {required} ({optional} får utelämnas)."
        ),
        Msg::CsvMixedSeparators { column } => format!(
            "CSV-filens rubrikrad (rad 1) blandar skiljetecken ('{column}' innehåller ett av ',', ';' eller tab utöver det som skiljer kolumnerna); spara filen med ett skiljetecken, ',' eller ';'."
        ),
        Msg::CsvEmpty => "CSV-filen är tom; den behöver en rubrikrad som namnger kolumnerna.".into(),

        Msg::StatsNotCounted => "statistiken kunde inte räknas.".into(),
        Msg::NoCellKeySecret => "databasen har ännu ingen cellnyckelhemlighet, så cellnyckelmetoden kan inte användas (databasen skapades före metoden). Den skapas nästa gång en uppsökare, enhetsledare eller administratör loggar in: be någon av dem logga in en gång (vilket kommando som helst) och försök sedan igen. Om någon har loggat in sedan dess och den ändå saknas, kör `uppsok audit`.".into(),
        Msg::StatsThread => "räkningen av statistiken misslyckades i sin andra tråd; inget skrevs.".into(),
        Msg::OverviewNotCounted => "översiktens siffror kunde inte räknas.".into(),
        Msg::ReportEmpty => "rapporten har inga tabeller att räkna.".into(),
        Msg::DemoSummary => "kan inte sammanställa demons sammanfattning.".into(),

        Msg::BadUserName { name } => format!(
            "'{name}' är inget giltigt användarnamn; använd 1 till 32 gemener, siffror, '.', '_' eller '-', med en bokstav först."
        ),
        Msg::PassphraseTooShort { min } => format!(
            "den nya lösenfrasen är för kort; använd minst {min} tecken (några ord är lätta att komma ihåg)."
        ),
        Msg::NoSuchUser { name } => format!("det finns ingen användare '{name}'."),
        Msg::AlreadyDisabled { name } => format!("användaren '{name}' är redan avstängd."),
        Msg::LastAdmin { name } => format!("'{name}' är den sista aktiva administratören; lägg till en annan administratör först."),
        Msg::UserExists { name } => format!("det finns redan en användare '{name}'; välj ett annat namn."),
        Msg::NotAnAdmin { name } => format!(
            "användaren '{name}' är ingen aktiv administratör; återställningsnyckeln återställer bara administratörer. Ange ett nytt namn för att skapa en ny administratör."
        ),
        Msg::AuditorCannotRescan => "bara en enhetsledare eller en administratör kan söka igenom anteckningarna igen: en granskare har ingen nyckel till anteckningar. Be någon av dem köra `uppsok audit --rescan-notes`.".into(),
        Msg::RoleHoldsNoKey => "din roll har ingen nyckel till anteckningar eller personkoder (bara uppsökare, enhetsledare och administratörer har det); inget gjordes.".into(),

        Msg::UnsignedChange => "en ändring utan signeringsnyckel kan inte loggas; inget skrevs.".into(),
        Msg::CannotProtectKey { error } => format!("kan inte skydda nyckeln: {error}."),
        Msg::CannotSeal { error } => format!("kan inte försegla ett värde: {error}."),
        Msg::NoAdministratorGranted => format!(
            "loggen ger ingen administratör behörighet (den har kortats eller ändrats utanför uppsok); inget gjordes. {RESTORE}"
        ),
        Msg::KeyFileOfAnotherDatabase { location } => format!(
            "nyckelfilen bredvid {location} hör till en annan databas; lägg tillbaka databasens egen nyckelfil, eller {RESTORE_BOTH}"
        ),
        Msg::KeysChangeUndone => "den senaste ändringen av nycklarna (en lösenfras, en användare, återställningsnyckeln eller ett nyckelbyte) avbröts innan den sparades, och har nu ångrats; inget annat ändrades. Logga in med lösenfrasen från före ändringen, och gör om den.".into(),
        Msg::KeyFileGeneration { location, age, file, stored } => format!(
            "nyckelfilen bredvid {location} är {} än databasen (generation {file} där databasen säger {stored}): en av dem har ersatts av en annan kopia. Lägg tillbaka paret som hör ihop, eller {RESTORE_BOTH}",
            match age {
                Age::Older => "äldre",
                Age::Newer => "nyare",
            }
        ),
        Msg::KeyFileUnusable { path, error } => format!(
            "nyckelfilen {} kan inte användas: {error}. Den har ändrats utanför uppsok, eller så är den ingen nyckelfil för uppsok; återställ databasen med sin nyckelfil från en säkerhetskopia som klarar `uppsok audit`.",
            path.display()
        ),
        Msg::KeySlotsBelowMinimum { name } => format!(
            "databasens nyckelplatser använder inställningar för nyckelhärledning under det minimum den här versionen godtar; de gjordes av en testversion och kan inte användas (användaren '{name}')."
        ),
        Msg::KeySlotOutOfMemory { name } => format!(
            "nyckelplatsen för användaren '{name}' behöver mer minne för att öppnas än datorn kan ge; inget gjordes. Stäng andra program och försök igen, eller öppna databasen på en dator med mer minne."
        ),
        Msg::KdfOutOfBounds { name } => format!(
            "nyckelplatsen för användaren '{name}' har inställningar för nyckelhärledning utanför vad uppsok godtar; den har ändrats utanför uppsok. Inget gjordes. {RESTORE}"
        ),
        Msg::SlotNotTheUsers { name } => format!(
            "nyckelplatsen för användaren '{name}' är inte den som databasen har för användaren (den har ändrats utanför uppsok); inget gjordes. Återställ databasen med sin nyckelfil från en säkerhetskopia som klarar `uppsok audit`."
        ),
        Msg::SlotOpensSealDoesNot { name } => format!(
            "nyckelplatsen för användaren '{name}' öppnas, men databasnyckeln som är förseglad till den gör det inte (den har ändrats utanför uppsok, eller skrevs av ett nyckelbyte som aldrig blev klart); inget gjordes. Kör `uppsok audit`, eller återställ från en säkerhetskopia."
        ),
        Msg::SlotWithoutUser { name } => format!(
            "nyckelfilen har en nyckelplats för '{name}' men databasen har ingen sådan användare: de två hör inte ihop; {RESTORE_BOTH}"
        ),
        Msg::DataKeyMismatch { name } => format!(
            "databasnyckeln som nyckelplatsen för användaren '{name}' öppnar öppnar inte databasens uppgifter: nyckeln som är förseglad till användaren, eller uppgifterna, har bytts ut utanför uppsok. Inget gjordes. {RESTORE}"
        ),
        Msg::KeyVersion { opened, stored } => format!(
            "databasnyckeln som öppnades har nyckelversion {opened}, men databasen säger att den har nyckelversion {}: nyckeln som är förseglad till användaren, eller databasen, har ändrats utanför uppsok. Inget gjordes. {RESTORE}",
            stored.as_deref().unwrap_or("(ingen)")
        ),
        Msg::UngrantedSlotKey { name } => format!(
            "nyckelplatsen för användaren '{name}' innehåller en nyckel som ingen administratör har gett användaren (platsen skrevs utanför uppsok); inget gjordes. Kör `uppsok audit` och återställ databasen med sin nyckelfil från en säkerhetskopia."
        ),
        Msg::ForgedSigningGrant { name } => format!(
            "loggen ger användaren '{name}' en signeringsnyckel som användarens nyckelplats inte innehåller: någon har registrerat en nyckel i användarens namn utanför uppsok. Inget gjordes. Säg till en administratör; kör `uppsok audit` och återställ från en säkerhetskopia."
        ),
        Msg::UserRecordChanged { name } => format!(
            "uppgifterna om användaren '{name}' har ändrats utanför uppsok (rollen eller läget stämmer inte med förseglingen); inget gjordes. Kör `uppsok audit` och återställ från en säkerhetskopia."
        ),
        Msg::ValueNotAuthentic { table, id, error } => format!(
            "ett krypterat värde i {table} post {id} går inte att autentisera ({error}); filen har ändrats utanför uppsok. Kör `uppsok audit` och återställ från en säkerhetskopia."
        ),
        Msg::ValueUnknownFormat { table, id } => format!(
            "ett krypterat värde i {table} post {id} dekrypteras men har inget känt format; kör `uppsok audit`."
        ),
        Msg::PseudonymChain => "kedjan av pseudonymnycklar i databasen öppnas inte med sin nyckel; filen har ändrats utanför uppsok. Kör `uppsok audit` och återställ från en säkerhetskopia.".into(),
        Msg::NoFingerprint => "databasen har inget fingeravtryck (inget id, eller en logg utan sin första administratör); kör `uppsok audit`.".into(),
        Msg::LogEmpty => "loggen är tom; kör `uppsok audit`.".into(),
        Msg::EntryUnmarked { seq } => format!(
            "loggpost {seq} saknar märke; loggen har ändrats utanför uppsok. Kör `uppsok audit`."
        ),
        Msg::RecordNotAsLogged { record, kind, what } => format!(
            "{record} är inte vad loggens signerade poster säger ({kind}); {} nekades, inget ändrades. Kör `uppsok audit` och återställ från en säkerhetskopia.",
            refusing(*what)
        ),
        Msg::LogDoesNotVerify { detail, what } => format!(
            "granskningsloggen går inte att verifiera ({detail}); {} nekades, inget ändrades. Kör `uppsok audit` och återställ från en säkerhetskopia.",
            refusing(*what)
        ),
        Msg::RekeyUserChanged { name } => format!(
            "uppgifterna om användaren '{name}' har ändrats utanför uppsok; nyckelbytet nekades, inget ändrades. Kör `uppsok audit`."
        ),
        Msg::RekeyOldSlots { names } => format!(
            "användarna {} har en nyckelplats från en tidigare version av uppsok, som ett nyckelbyte inte kan försegla om; var och en måste logga in en gång (med valfritt kommando) för att uppgradera den, eller stängas av. Inget ändrades.",
            names.join(", ")
        ),
        Msg::RekeySealNotGranted { name } => format!(
            "nyckeln som databasen förseglar till användaren '{name}' är inte den som loggen ger användaren (den har ändrats utanför uppsok); nyckelbytet nekades, inget ändrades. Kör `uppsok audit` och återställ från en säkerhetskopia."
        ),

        Msg::RekeyRecoveryNotGranted => "databasens återställningsnyckel är inte den som loggen anger (den har tagits bort eller ändrats utanför uppsok); nyckelbytet nekades, inget ändrades. Kör `uppsok audit` och återställ från en säkerhetskopia.".into(),
        Msg::RecoveryKeyNotThis => "den här återställningsnyckeln öppnar inte databasen (den hör till en annan, eller så har nyckeln som är förseglad till den ändrats); inget gjordes.".into(),
        Msg::NoRecoveryKey => "databasen har ingen återställningsnyckel (den skapades av `demo`, eller utan en); inget gjordes.".into(),
        Msg::RecoveryKeyCannotSign => "loggen ger den här återställningsnyckeln ingen rätt att signera (den skapades före format 3 och gavs inte till `uppsok upgrade`, eller så har behörigheten ändrats utanför uppsok); inget gjordes. En administratör kan köra `uppsok upgrade --recovery-key-file` på en säkerhetskopia, eller återställa en som klarar `uppsok audit`.".into(),
        Msg::RecoveryKeyOfAnother => "den här återställningsnyckeln hör inte till databasen; inget ändrades.".into(),
        Msg::RecoveryKeyNeeded => "databasen har en återställningsnyckel: ange den (--recovery-key-file SÖKVÄG eller UPPSOK_RECOVERY_KEY) så att den fortfarande kan återställa administratörer efter uppgraderingen, eller ange --without-recovery-key för att avstå från det; inget ändrades.".into(),
        Msg::RecoveryKeyDamaged => "återställningsnyckeln som är sparad i databasen är skadad; inget ändrades.".into(),
        Msg::UpgradeLogDoesNotVerify { detail } => format!(
            "granskningsloggen i den gamla databasen går inte att verifiera ({detail}); inget ändrades. Kör `uppsok audit` med den tidigare versionen och återställ en säkerhetskopia som klarar den."
        ),
        Msg::UpgradeRoleMayNot { name, role } => format!(
            "användaren '{name}' har rollen {} och får inte uppgradera databasen; bara en administratör får det.",
            role.label(Sv)
        ),
        Msg::ConnectionOfAnotherUnit { name, connection, own } => format!(
            "den här anslutningen till servern är databasrollen för enheten {connection}, som bara läser den enhetens rader, och användaren '{name}' hör till enheten {own}; inget gjordes. Anslut med din egen enhets roll (docs/deploy.md, \"A role per unit\")."
        ),
        Msg::NeedsCityConnection { what, unit } => format!(
            "för att {} måste uppsok läsa alla enheters rader, och den här anslutningen till servern är databasrollen för enheten {unit}, som bara läser den enhetens egna; inget gjordes. Anslut som stadens roll (docs/deploy.md, \"A role per unit\").",
            what[1]
        ),
        Msg::UpgradeWrongCredentials { name } => format!(
            "fel lösenfras för användaren '{name}', eller så finns ingen aktiv användare '{name}' i databasen; inget ändrades. Kontrollera båda och försök igen."
        ),
        Msg::NoValidId { upgrading: true } => "databasen har inget giltigt id; inget ändrades.".into(),
        Msg::NoValidId { upgrading: false } => "databasen har inget giltigt id; kör `uppsok audit` med den tidigare versionen.".into(),
        Msg::UpgradeStuckSlots { names } => format!(
            "användarna {} har en nyckelplats som inte kan föras över (skapad av en tidig version, eller skadad): var och en loggar in en gång med den tidigare versionen av uppsok, eller så stänger en administratör av dem där; inget ändrades.",
            names.join(", ")
        ),
        Msg::AlreadyFormat { path, format } => format!(
            "databasen {} har redan format {format}; det finns inget att uppgradera.",
            path.display()
        ),
        Msg::FormatOneSlot { name } => format!(
            "användaren '{name}' har en nyckelplats som förts över från format 1: logga in en gång med den tidigare versionen först (valfritt kommando), och uppgradera sedan; inget ändrades."
        ),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The kind of identifier in words, and its id as `audit` and scripts name it.
fn kind_named(kind: IdentifierKind, lang: crate::i18n::Lang) -> String {
    format!("{} ({})", kind.label(lang), kind.as_str())
}
