//! The command line's help in Swedish: `uppsok --lang sv add --help`. The English is the doc
//! comments and `after_help` of the argument definitions (`cli.rs`, `command/*`); this is the
//! one table of their Swedish, keyed by the command's path and the argument's id. A test walks
//! the whole command tree and fails on any command or argument without its Swedish here.
//!
//! What clap itself prints (its error messages, `[default: ...]`, `[possible values: ...]`)
//! stays as clap writes it; the headings and the help flag's own line are translated.

use clap::{Arg, ArgAction, Command};

/// `(path, text)`: `path` is the command's words (`""` for `uppsok` itself, `"user add"`),
/// then `@about`, `@after` or ` --` and an argument's id (`"add --role"`, `" --db"` for the
/// global options, which live on `uppsok` itself).
pub const SV: &[(&str, &str)] = &[
    ("@about", "En anonym, krypterad logg över uppsökande kontakter, och ärlig statistik ur den."),
    ("@long", "uppsok för en anonym, krypterad logg över socialtjänstens uppsökande kontakter med personer som säljer eller köper sex, känner igen återkommande personer på en nycklad pseudonym av en kod som de själva uppger, och gör statistik av loggen som aldrig röjer en liten grupp.\n\nDatabasen väljs med --db eller UPPSOK_DB, användaren med --user eller UPPSOK_USER; lösenfrasen kommer från --passphrase-file, UPPSOK_PASSPHRASE eller en fråga."),
    ("@after", "Slutstatus: 0 klart; 1 nekat eller misslyckat (fel lösenfras, en roll som inte får, en fil som ändrats utanför uppsok, en underkänd granskning); 2 fel användning eller indata (inget ändrades).\n\nVarje kommando: uppsok KOMMANDO --help. Manualsidor: uppsok man. Dokumentation: docs/commands.md."),
    (" --db", "Databasfilen [standard: uppsok.db i plattformens datakatalog]"),
    (" --user", "Användarnamnet att logga in med (frågas efter om det inte anges)"),
    (" --passphrase_file", "Läs lösenfrasen ur den här filen (hela filen, utan sista radbrytningen); UPPSOK_PASSPHRASE fungerar också"),
    (" --new_passphrase_file", "Läs den nya lösenfrasen (user add, passwd, recover) ur den här filen; UPPSOK_NEW_PASSPHRASE fungerar också"),
    (" --quiet", "Visa ingen förloppsindikator för långt arbete (en visas ändå bara i en terminal)"),
    (" --lang", "Språk [standard: UPPSOK_LANG, sedan LC_ALL, LC_MESSAGES eller LANG (sv_* ger svenska), annars en]"),
    ("init@about", "Skapa en ny databas och dess första användare (rollen admin)"),
    ("init@after", "Exempel:\n  uppsok --db ~/uppsok/enheten.db --user anna init\n  UPPSOK_DB=/srv/uppsok/enheten.db uppsok --user anna --passphrase-file pass.txt init"),
    ("add@about", "Logga en kontakt"),
    ("add@after", "Koder och anteckningar behöver aldrig stå på kommandoraden, där andra användare ser dem i `ps` och skalet sparar dem i sin historik: ange `-` i stället för värdet så läses det från standard in. Med bara `--code -` är standard in koden (en rad); med bara `--note -` anteckningen; med båda är första raden koden och resten anteckningen. Sista radbrytningen tas bort. Från ett program eller ett skript som har värdena:\n\n  printf 'AB 85\\nville prata om boende\\n' | uppsok add --code - --note - \\\n      --date 2025-01-30 --role sells --gender woman --age-band 25-34 --counterpart men \\\n      --district norrmalm --contact-type outreach\n\nSkriven i en terminal hamnar en printf-rad också i skalets historik: där anger du `--code -` (och `--note -`) och skriver värdena när du blir tillfrågad, och avslutar med Ctrl-D på en egen rad.\n\nExempel:\n  uppsok add --date 2025-01-30 --code - --role sells --gender woman --age-band 25-34 \\\n      --counterpart men --district norrmalm --contact-type outreach --referrals 'health;housing'\n  uppsok --lang sv add --date 2025-01-30 --role köper --gender man --age-band 35-44 \\\n      --counterpart kvinnor --district internet --contact-type internet"),
    ("add --date", "Kontaktens datum, ÅÅÅÅ-MM-DD (inte i framtiden)"),
    ("add --code", "Koden personen uppgav (normaliseras, sedan lagras bara dess nycklade pseudonym); `-` läser den från standard in; utelämna den för en oidentifierad kontakt"),
    ("add --role", "Om personen säljer eller köper (de svenska orden fungerar också)"),
    ("add --gender", "Personens kön så som hen visar eller berättar det"),
    ("add --age_band", "Åldersgrupp"),
    ("add --counterpart", "Kön på dem som personen säljer till eller köper av"),
    ("add --district", "En stadsdel ur databasens lista (t.ex. norrmalm, online, outside, unknown)"),
    ("add --contact_type", "Hur kontakten togs"),
    ("add --referrals", "Åtskilda med ;: health, addiction, housing, police, migration, legal, shelter, other; inga om den utelämnas"),
    ("add --trafficking", "Tecken på människohandel iakttogs"),
    ("add --concern", "Bara under 18 år, och då obligatoriskt: har en orosanmälan gjorts?"),
    ("add --note", "Fritext, lagras krypterad; får inte identifiera någon; `-` läser den från standard in"),
    ("add --field_night", "Uppsökarkvällen som kontakten hör till (se `uppsok night list`)"),
    ("add --projects", "Namnen på de finansierade projekt som kontakten hör till, åtskilda med ; (vart och ett måste omfatta dess datum; se `uppsok project list`); utan det får en kontakt från en uppsökarkväll kvällens projekt, och \"\" ger inget"),
    ("add --allow_identifiers", "Godta en anteckning som ser ut att innehålla ett personnummer, telefonnummer eller en e-postadress (skrivs i granskningsloggen)"),
    ("contact@about", "En kontakt efter dess nummer: visa, rätta eller ta bort den, med ett skäl (loggas)"),
    ("contact show@about", "Visa en kontakt med dess anteckning (skrivs i granskningsloggen som en visning)"),
    ("contact show --id", "Kontaktens nummer (så som `add`, `import`, gränssnittet och fynden i `audit` anger det)"),
    ("contact show --format", "text eller json"),
    ("contact edit@about", "Rätta en kontakt: ange bara fälten som ändras, och varför (loggas)"),
    ("contact edit@after", "Fält som inte anges behåller sitt värde. `--code K` flyttar kontakten till personen med koden K (en kontakt loggad under fel kod, eller en oidentifierad som var någon känd); `--code -` och `--note -` läser värdet från standard in, som för `uppsok add`. En rättelse som inte ändrar något skriver ingenting, inte ens en loggpost.\n\n  uppsok contact edit 812 --age-band 25-34 --reason typo\n  uppsok contact edit 812 --note - --reason typo < rättad-anteckning.txt"),
    ("contact edit --id", "Kontaktens nummer"),
    ("contact edit --reason", "Varför (skrivs i granskningsloggen)"),
    ("contact edit --date", "Kontaktens datum, ÅÅÅÅ-MM-DD (inte i framtiden)"),
    ("contact edit --code", "Flytta kontakten till personen med den här koden (`-`: läs från standard in)"),
    ("contact edit --role", "Om personen säljer eller köper"),
    ("contact edit --gender", "Personens kön"),
    ("contact edit --age_band", "Åldersgrupp"),
    ("contact edit --counterpart", "Kön på dem som personen säljer till eller köper av"),
    ("contact edit --district", "En stadsdel ur databasens lista"),
    ("contact edit --contact_type", "Hur kontakten togs"),
    ("contact edit --referrals", "Hänvisningar åtskilda med ;, eller `none`"),
    ("contact edit --trafficking", "Tecken på människohandel iakttogs"),
    ("contact edit --concern", "Orosanmälan för en kontakt under 18 år (behålls så länge kontakten är under 18; obligatorisk när rättelsen gör den under 18)"),
    ("contact edit --note", "Den nya anteckningen (ersätter hela anteckningen; `-`: läs från standard in)"),
    ("contact edit --projects", "Projektnamn åtskilda med ;, eller `none` (vart och ett måste omfatta kontaktens datum)"),
    ("contact delete@about", "Ta bort en kontakt, med ett skäl (loggas; personens övriga kontakter finns kvar)"),
    ("contact delete --id", "Kontaktens nummer"),
    ("contact delete --reason", "Varför (skrivs i granskningsloggen)"),
    ("import@about", "Importera kontakter från CSV, allt eller inget"),
    ("import@after", "Exempel:\n  uppsok import kontakter.csv --dry-run      # kontrollera varje rad, importera inget\n  uppsok import kontakter.csv                # filer med ',' eller ';' (Excel), med eller utan BOM\n\nKolumnerna och värdena: docs/csv-format.md."),
    ("import --file", "CSV-filen (kolumner som `uppsok export --format csv` skriver dem)"),
    ("import --dry_run", "Kontrollera hela filen och rapportera, men importera inget"),
    ("import --allow_identifiers", "Godta anteckningar som ser ut att innehålla identitetsuppgifter (skrivs i granskningsloggen)"),
    ("export@about", "Exportera dekrypterade uppgifter (rollerna lead och admin)"),
    ("export@after", "Exempel:\n  uppsok export -o kontakter.csv\n  uppsok export -o kontakter.csv --csv-separator ';' --bom   # för svenska Excel\n  uppsok export -f json | jq length"),
    ("export --format", "csv eller json"),
    ("export --out", "Skriv till den här filen (läge 0600) i stället för standard ut. Standard ut omdirigerad till en fil som andra kan läsa (`> fil` med umask 022) nekas"),
    ("export --csv_separator", "Skiljetecken i CSV: ',' (standard) eller ';' (svenska kalkylprogram), eller tab"),
    ("export --bom", "Börja CSV-filen med en byte order mark, så att kalkylprogram läser den som UTF-8"),
    ("stats@about", "Statistik: kontakter, individer, nya individer, efter valfri dimension"),
    ("stats@after", "Exempel:\n  uppsok stats --by year\n  uppsok stats --year 2024 --by role,gender --publish\n  uppsok stats --from 2004-01-01 --to 2009-12-31 --filter contact_type=counselling -f csv\n\nDimensioner: role, gender, age_band, counterpart, district, contact_type, referral, trafficking, concern, project, unit (med --city), year, month."),
    ("stats --year", "Ett kalenderår (i stället för --from/--to)"),
    ("stats --from", "Periodens första dag, ÅÅÅÅ-MM-DD (inräknad; öppen om den utelämnas)"),
    ("stats --to", "Periodens sista dag, ÅÅÅÅ-MM-DD (inräknad; öppen om den utelämnas)"),
    ("stats --by", "Gruppera efter dessa dimensioner: role, gender, age_band, counterpart, district, contact_type, referral, trafficking, year, month"),
    ("stats --filter", "Behåll bara kontakter med dessa värden: DIM=V1,V2 (upprepa för att kräva flera)"),
    ("stats --publish", "Röjandeskydd för publicering: antal under tröskeln döljs, och så många andra att inget kan räknas fram"),
    ("stats --threshold", "Med --publish: antal från 1 till detta minus ett döljs (minst 3; bara vid undertryckning)"),
    ("stats --method", "Med --publish: suppress (små antal döljs, resten exakt) eller cellkey (varje antal flyttas högst 2 steg, på samma sätt i varje tabell); standard: enhetens (`uppsok config publish-method`)"),
    ("stats --format", "table, json, csv eller md"),
    ("stats --csv_separator", "Skiljetecken i CSV: ',' (standard) eller ';' (svenska kalkylprogram), eller tab"),
    ("stats --city", "Hela stadens siffror: alla enheters kontakter, en person som två enheter mött räknas en gång; `unit` kan då grupperas och filtreras på (administratör)"),
    ("stats --bom", "Börja CSV-utdata med en byte order mark, så att kalkylprogram läser den som UTF-8"),
    ("estimate@about", "Skattning av populationens storlek: hur många individer det finns, nådda eller inte (Chao1)"),
    ("estimate@after", "Exempel:\n  uppsok estimate --year 2024\n  uppsok estimate --by year -f json"),
    ("estimate --year", "Ett kalenderår (i stället för --from/--to)"),
    ("estimate --from", "Periodens första dag, ÅÅÅÅ-MM-DD (inräknad; öppen om den utelämnas)"),
    ("estimate --to", "Periodens sista dag, ÅÅÅÅ-MM-DD (inräknad; öppen om den utelämnas)"),
    ("estimate --filter", "Behåll bara kontakter med dessa värden: DIM=V1,V2 (upprepa för att kräva flera)"),
    ("estimate --by", "`year`: också en skattning per kalenderår (tillfällen räknade inom året)"),
    ("estimate --format", "text eller json"),
    ("estimate --city", "Hela staden: alla enheters kontakter, en person som två enheter mött räknas en gång (administratör)"),
    ("report@about", "Publicerbar rapport för en period: sammanfattning, tabeller, diagram, med röjandeskydd"),
    ("report@after", "Exempel:\n  uppsok report --year 2024 --lang sv -f html -o rapport-2024.html\n  uppsok report --from 2004-01-01 --to 2009-12-31\n  uppsok report --project Köparprojektet -f html -o köparprojektet.html"),
    ("report --year", "Ett kalenderår (i stället för --from/--to)"),
    ("report --from", "Periodens första dag, ÅÅÅÅ-MM-DD (inräknad; öppen om den utelämnas)"),
    ("report --to", "Periodens sista dag, ÅÅÅÅ-MM-DD (inräknad; öppen om den utelämnas)"),
    ("report --format", "md (Markdown) eller html (en fristående sida med diagram)"),
    ("report --out", "Skriv rapporten till den här filen i stället för standard ut"),
    ("report --private", "Med --out: skriv filen läsbar bara för ägaren (0600). Annars är filen 0644: en rapport innehåller bara publicerade siffror och är avsedd att lämnas ut"),
    ("report --threshold", "Antal från 1 till detta minus ett döljs (minst 3)"),
    ("report --method", "suppress (små antal döljs, resten exakt) eller cellkey (varje antal flyttas högst 2 steg, på samma sätt i varje tabell); standard: enhetens (`uppsok config publish-method`)"),
    ("report --city", "Hela stadens rapport: alla enheters kontakter, en person som två enheter mött räknas en gång (administratör)"),
    ("report --project", "Finansiärens redovisning av ett projekt: bara projektets kontakter, för dess period (eller ett år eller en period inom den), med finansiär och period i rubriken"),
    ("night@about", "Uppsökarkvällar: registrera en, eller lista de senaste"),
    ("night add@about", "Registrera en uppsökarkväll; logga dess kontakter med `uppsok add --field-night ID`"),
    ("night add --date", "ÅÅÅÅ-MM-DD"),
    ("night add --kind", "Vilket slags kväll (police: en gemensam insats med polisen)"),
    ("night add --district", "En stadsdel ur databasens lista"),
    ("night add --staff", "Hur många i personalen som var ute (1 till 99)"),
    ("night add --project", "Projektet som kvällens kontakter hör till om inget annat anges (måste pågå kvällens datum; se `uppsok project list`)"),
    ("night list@about", "Lista de senaste uppsökarkvällarna"),
    ("night list --limit", "Hur många som visas"),
    ("project@about", "Finansierade projekt: lägg till ett, lista dem, avsluta ett (enhetsledare, administratör)"),
    ("project add@about", "Lägg till ett finansierat projekt (enhetsledare, administratör); kontakter anger det med `add --projects NAMN`"),
    ("project add@after", "Exempel:\n  uppsok project add Köparprojektet --funder Socialstyrelsen --from 2009-01-01 --to 2009-12-31\n  uppsok project add 'Människohandel 75 %' --funder 'Länsstyrelsen i Stockholms län' --from 2009-03-01"),
    ("project add --name", "Projektets namn, så som kontakter och rapporter anger det (högst 60 tecken, inget ;)"),
    ("project add --funder", "Vem som finansierar det (står i rubriken på dess rapport)"),
    ("project add --from", "Första dagen, ÅÅÅÅ-MM-DD"),
    ("project add --to", "Sista dagen, ÅÅÅÅ-MM-DD; utelämna den så länge projektet pågår"),
    ("project list@about", "Lista projekten med finansiär och period (enhetsledare, administratör)"),
    ("project close@about", "Ange ett projekts sista dag (enhetsledare, administratör); nekas så länge en kontakt i projektet ligger efter den dagen"),
    ("project close@after", "Exempel:\n  uppsok project close Köparprojektet --to 2009-12-31"),
    ("project close --name", "Projektets namn"),
    ("project close --to", "Dess sista dag, ÅÅÅÅ-MM-DD"),
    ("config@about", "Enhetens inställningar: dess standardmetod för röjandeskydd (ändra: enhetsledare, administratör)"),
    ("config publish-method@about", "Enhetens standardmetod för röjandeskydd i `stats --publish` och `report`: visa den (alla roller), eller ändra den (enhetsledare, administratör)"),
    ("config publish-method@after", "Exempel:\n  uppsok config publish-method              # visa den nuvarande\n  uppsok config publish-method cellkey      # från och med nu, om inte --method anges\n\nTills en enhetsledare eller administratör ändrar den är standardmetoden suppress (undertryckning). Varje ändring loggas och signeras; `uppsok audit` underkänns om det sparade värdet skiljer sig från den senaste ändringen. De två metoderna jämförs i docs/statistics.md."),
    ("config publish-method --method", "Den nya standardmetoden; utelämna den för att visa den nuvarande"),
    ("activity@about", "Informations- och utbildningsinsatser: registrera en, eller lista en periods"),
    ("activity add@about", "Registrera en informations- eller utbildningsinsats (inte en kontakt med en person)"),
    ("activity add@after", "Exempel:\n  uppsok activity add --date 2025-03-12 --kind lecture --audience school --participants 28\n  uppsok --lang sv activity add --date 2025-04-02 --kind utbildning --audience socialtjänst --participants 15 --note 'Halvdag om köp av sex'"),
    ("activity add --date", "ÅÅÅÅ-MM-DD (inte i framtiden)"),
    ("activity add --kind", "Vilket slags insats det var"),
    ("activity add --audience", "Vem den var för"),
    ("activity add --participants", "Hur många som deltog (1 till 100000)"),
    ("activity add --note", "Fritext, lagras krypterad; får inte identifiera någon"),
    ("activity list@about", "Lista en periods insatser, äldst först"),
    ("activity list --year", "Ett kalenderår (i stället för --from/--to)"),
    ("activity list --from", "Periodens första dag, ÅÅÅÅ-MM-DD (inräknad; öppen om den utelämnas)"),
    ("activity list --to", "Periodens sista dag, ÅÅÅÅ-MM-DD (inräknad; öppen om den utelämnas)"),
    ("user@about", "Personalens konton (admin)"),
    ("user add@about", "Lägg till ett konto; lösenfrasen kommer från --new-passphrase-file, UPPSOK_NEW_PASSPHRASE eller en fråga som ställs två gånger"),
    ("user add@after", "Exempel:\n  uppsok user add omar --role outreach\n  uppsok user add lena --role lead --new-passphrase-file lena.txt\n\nDen nya lösenfrasen kommer från --new-passphrase-file SÖKVÄG, UPPSOK_NEW_PASSPHRASE, eller en fråga som ställs två gånger."),
    ("user add --name", "Den nya användarens namn (gemener, siffror, . _ -)"),
    ("user add --role", "Vad användaren får göra (docs/commands.md)"),
    ("user add --unit", "Enheten användaren hör till (se `uppsok unit list`) [standard: din]"),
    ("unit@about", "Stadens enheter i den här databasen: namnge den första, lägg till en, lista dem (administratör)"),
    ("unit add@about", "Namnge databasens första enhet (alla användare och kontakter hittills hör till den), eller lägg till en enhet i staden"),
    ("unit add@after", "Exempel:\n  uppsok unit add stockholm      # den första: namnger enheten alla hör till\n  uppsok unit add goteborg       # en andra enhet\n  uppsok user add sara --role outreach --unit goteborg\n\nEn enhet ser sina egna kontakter; `stats --city` och `report --city` räknar hela staden, där en person som två enheter mött räknas en gång (docs/units.md)."),
    ("unit add --name", "Enhetens namn: gemena bokstäver, siffror, - och _ (till exempel stockholm)"),
    ("unit role@about", "På en PostgreSQL-server: gör en databasroll till enhetens, så att servern bara visar den enhetens rader (kör ansluten som schemats ägare)"),
    ("unit role@after", "Exempel:\n  UPPSOK_DB=postgres://uppsok_owner@... uppsok unit role goteborg uppsok_goteborg\n\nDen ger rollen det programmet behöver, av enheternas tabeller bara enhetens egna (docs/deploy.md, \"A role per unit\"). Ändringen loggas, och `uppsok audit` underkänner om serverns lista över enheternas roller ändras utanför uppsok."),
    ("unit role --unit", "Enhetens namn (från `uppsok unit list`)"),
    ("unit role --role", "Databasrollen: gemena bokstäver, siffror och _ (till exempel uppsok_goteborg)"),
    ("unit list@about", "Lista stadens enheter och hur många aktiva användare var och en har"),
    ("unit list --format", "text eller json"),
    ("user list@about", "Lista personalens konton"),
    ("user list --format", "text eller json"),
    ("user disable@about", "Stäng av ett konto: dess nyckelplats tas bort och databasen får nya nycklar, så att kontot inte längre kan låsa upp"),
    ("user disable@after", "Exempel:\n  uppsok user disable omar --dry-run\n  uppsok user disable omar --yes"),
    ("user disable --name", "Användaren som stängs av (nyckelplatsen tas bort; databasen får nya nycklar)"),
    ("user disable --yes", "Gör det utan att fråga först (behövs där det inte finns någon terminal att fråga i)"),
    ("user disable --dry_run", "Säg bara vad som skulle göras; ändra inget (inte ens granskningsloggen)"),
    ("passwd@about", "Byt din egen lösenfras"),
    ("passwd@after", "Exempel:\n  uppsok --user anna passwd\n\nDen nya lösenfrasen kommer från --new-passphrase-file SÖKVÄG, UPPSOK_NEW_PASSPHRASE, eller en fråga som ställs två gånger."),
    ("backup@about", "Skriv en konsistent, fortfarande krypterad kopia av den levande databasen (admin)"),
    ("backup@after", "Exempel:\n  uppsok backup /mnt/usb/uppsok-2025-01-31.db   # skriver FIL och FIL.keys\n\nHåll ihop de två filerna; kopian öppnas med samma användare och lösenfraser."),
    ("backup --file", "Var kopian skrivs (får inte finnas redan)"),
    ("migrate@about", "Kopiera hela databasen, fortfarande krypterad, till en ny databas på en PostgreSQL-server; allt eller inget (admin)"),
    ("migrate@after", "Exempel:\n  uppsok --db uppsok.db migrate --to postgres://uppsok_owner@db.stad.example/uppsok\n\nServerns databas måste vara tom (docs/deploy.md); en avbruten flytt görs om från början genom att köra den igen. Filen ändras inte."),
    ("migrate --to", "Den nya databasen: postgres://ANVÄNDARE@VÄRD/DATABAS (ANVÄNDARE äger den; docs/deploy.md)"),
    ("demo@about", "Bygg en demodatabas med syntetiska kontakter från 2004 till i dag och visa den"),
    ("demo@after", "Exempel:\n  uppsok demo\n  uppsok demo --no-tui --db /tmp/demo.db"),
    ("demo --seed", "Frö för de syntetiska uppgifterna: samma frö samma dag ger samma uppgifter"),
    ("demo --no_tui", "Bygg bara databasen och skriv hur den används; öppna inte gränssnittet"),
    ("rekey@about", "Nya datanycklar: varje värde och pseudonym krypteras om, varje aktiv nyckelplats förseglas om (admin)"),
    ("rekey@after", "Exempel:\n  uppsok rekey --dry-run\n  uppsok rekey --yes          # i ett skript"),
    ("rekey --yes", "Gör det utan att fråga först (behövs där det inte finns någon terminal att fråga i)"),
    ("rekey --dry_run", "Säg bara vad som skulle göras; ändra inget (inte ens granskningsloggen)"),
    ("forget@about", "Radera varje kontakt med en persons kod och med koder som angetts vara samma person; loggas utan koden (admin)"),
    ("forget@after", "Exempel:\n  uppsok forget --code -      # skriv koden; den står aldrig på kommandoraden"),
    ("forget --code", "Personens kod som hen uppger den (normaliseras som vid inmatning), eller en pseudonym från en export; `-` läser den från standard in (första raden), eller frågar i en terminal"),
    ("forget --yes", "Gör det utan att fråga först (behövs där det inte finns någon terminal att fråga i)"),
    ("forget --dry_run", "Säg bara vad som skulle göras; ändra inget (inte ens granskningsloggen)"),
    ("purge@about", "Gallring: ta bort anteckningstexten i kontakter före ett datum, och packa sedan filen (admin)"),
    ("purge@after", "Exempel:\n  uppsok purge --notes-before 2020-01-01 --dry-run\n  uppsok purge --notes-before 2020-01-01"),
    ("purge --notes_before", "Ta bort anteckningstexten i varje kontakt daterad före den här dagen (ÅÅÅÅ-MM-DD)"),
    ("purge --yes", "Gör det utan att fråga först (behövs där det inte finns någon terminal att fråga i)"),
    ("purge --dry_run", "Säg bara vad som skulle göras; ändra inget (inte ens granskningsloggen)"),
    ("recover@about", "Återställ en administratör med återställningsnyckeln som visades vid init"),
    ("recover@after", "Exempel:\n  uppsok recover anna --recovery-key-file nyckel.txt\n\nDen nya lösenfrasen kommer från --new-passphrase-file SÖKVÄG, UPPSOK_NEW_PASSPHRASE, eller en fråga som ställs två gånger."),
    ("recover --name", "Administratören som återställs (en befintlig admin får en ny lösenfras; ett nytt namn blir en ny admin)"),
    ("recover --recovery_key_file", "Läs återställningsnyckeln ur den här filen; UPPSOK_RECOVERY_KEY fungerar också, annars en fråga"),
    ("upgrade@about", "För över en databas i ett äldre format till det här, efter en säkerhetskopia; allt eller inget (admin)"),
    ("upgrade@after", "Exempel:\n  uppsok --user anna upgrade --recovery-key-file nyckel.txt"),
    ("upgrade --recovery_key_file", "Läs återställningsnyckeln ur den här filen (UPPSOK_RECOVERY_KEY fungerar också), så att den fortfarande kan återställa administratörer efter uppgraderingen"),
    ("upgrade --without_recovery_key", "Uppgradera utan återställningsnyckeln (den går förlorad): den återställer ingen efteråt"),
    ("tui@about", "Öppna terminalgränssnittet (det som `uppsok` ensamt också gör)"),
    ("audit@about", "Granskning av anonymisering och integritet; slutstatus 1 om en kontroll underkänns (lead, auditor, admin)"),
    ("audit@after", "Exempel:\n  uppsok audit\n  uppsok audit --checkpoint -f json > granskning-2025-01.json\n  uppsok audit --since-checkpoint 1234-0123456789abcdef0123456789abcdef"),
    ("audit --format", "text eller json"),
    ("audit --checkpoint", "Skriv också en kontrollpunkt för loggens slut, att förvara utanför databasen"),
    ("audit --since_checkpoint", "Visa att loggen fram till den här kontrollpunkten (från en tidigare `audit --checkpoint`, `report` eller `backup`) fortfarande är exakt som den var"),
    ("audit --fingerprint", "Underkänn om inte databasens fingeravtryck (skrivet av `init`) är det här"),
    ("audit --rescan_notes", "Kör först identitetsdetektorn över varje anteckning och skriv fynden i loggen, för granskarens kontroll `pii` (lead och admin)"),
    ("log@about", "Åtkomst- och ändringsloggen: vem gjorde vad, när (auditor, admin)"),
    ("log@after", "Exempel:\n  uppsok log --from 2025-01-01 --staff omar\n  uppsok log -f json"),
    ("log --from", "Första dagen, ÅÅÅÅ-MM-DD (inräknad; UTC)"),
    ("log --to", "Sista dagen, ÅÅÅÅ-MM-DD (inräknad; UTC)"),
    ("log --staff", "Bara det som den här personen i personalen gjorde (`--user` är den som loggar in)"),
    ("log --format", "text eller json"),
    ("completions@about", "Skriv kompletteringsskriptet för ett skal (bash, zsh, fish, powershell, elvish)"),
    ("completions@after", "Exempel:\n  uppsok completions bash > ~/.local/share/bash-completion/completions/uppsok\n  uppsok completions zsh > ~/.zfunc/_uppsok     # med fpath+=(~/.zfunc) i ~/.zshrc\n  uppsok completions fish > ~/.config/fish/completions/uppsok.fish"),
    ("completions --shell", "Skalet som kompletteringen gäller"),
    ("man@about", "Skriv manualsidan (roff), eller varje sida till en katalog"),
    ("man@after", "Exempel:\n  uppsok man | man -l -                              # läs den nu\n  uppsok man --dir ~/.local/share/man/man1           # installera uppsok.1 och en sida per kommando"),
    ("man --dir", "Skriv uppsok.1 och en sida per kommando (uppsok-add.1, ...) till den här katalogen i stället för uppsok.1 till standard ut"),
];

/// The Swedish at `key`, if the table has it.
pub fn sv(key: &str) -> Option<&'static str> {
    SV.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The command line's definition with every help text in Swedish.
pub fn in_swedish(cmd: Command) -> Command {
    translate(cmd, "")
}

fn translate(mut cmd: Command, path: &str) -> Command {
    let key = |what: &str| format!("{path}{what}");
    if let Some(t) = sv(&key("@about")) {
        cmd = cmd.about(t);
    }
    if path.is_empty() {
        if let Some(t) = sv("@long") {
            cmd = cmd.long_about(t);
        }
    } else {
        cmd = cmd.long_about(None::<&str>);
    }
    if let Some(t) = sv(&key("@after")) {
        cmd = cmd.after_help(t).after_long_help(None::<&str>);
    }
    cmd = cmd
        .help_template("{about-with-newline}\nAnvändning: {usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("Kommandon");
    let ids: Vec<(String, bool, bool)> = cmd
        .get_arguments()
        .map(|a| {
            (
                a.get_id().to_string(),
                a.is_positional(),
                a.get_help_heading().is_some(),
            )
        })
        .collect();
    for (id, positional, has_heading) in ids {
        if let Some(t) = sv(&format!("{path} --{id}")) {
            cmd = cmd.mut_arg(&id, |a| {
                let a = a.help(t).long_help(None::<&str>);
                match (has_heading, positional) {
                    (true, _) => a.help_heading("Globala flaggor"),
                    (false, true) => a.help_heading("Argument"),
                    (false, false) => a.help_heading("Flaggor"),
                }
            });
        }
    }
    // The built-in flags exist only once the command is built: replaced by our own, the same
    // but in Swedish.
    cmd = cmd.disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help("Visa hjälpen (mer med --help)")
            .help_heading("Flaggor"),
    );
    if path.is_empty() {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Visa versionen")
                .help_heading("Flaggor"),
        );
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(&name, |s| translate(s, &sub));
    }
    cmd
}
