-- uppsok database schema, format 2.
-- The one source of the schema: embedded into the binary with include_str! (src/storage/sqlite/mod.rs).
--
-- The whole file (and its WAL) is encrypted page by page by SQLCipher under the database's page
-- key, which the key file beside it (FILE.keys) seals to each user: nothing below is readable
-- without a passphrase. Inside that encryption, the columns described as in the clear are ids,
-- contact dates, keyed pseudonyms, field-night ids, user names and roles, timestamps and the
-- names of audit actions (what a later server back end would see). Everything that describes a
-- person or a contact is also an encrypted envelope (BLOB): version byte, key version, 96-bit
-- nonce, AES-256-GCM ciphertext and tag, with associated data binding table, column, row id and
-- key version (docs/security.md).

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Monotonic id counters: ids are never reused, so the audit log can name a record for ever.
CREATE TABLE IF NOT EXISTS sequences (
    name TEXT PRIMARY KEY,
    next INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('outreach', 'lead', 'auditor', 'admin')),
    disabled   INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL,
    -- HMAC (record key) over id, name, role and disabled: a role raised behind uppsok's back is refused.
    mac        BLOB NOT NULL
) STRICT;

-- Key slots live in the key file beside the database (docs/security.md, "The key file"): they
-- must be read before the file can be decrypted. Format 1 kept them in a table `key_slots`,
-- which `uppsok upgrade` moves into the key file.

-- A person is nothing but a keyed pseudonym: HMAC-SHA256 of the normalised code material.
CREATE TABLE IF NOT EXISTS persons (
    id        INTEGER PRIMARY KEY,
    pseudonym BLOB NOT NULL UNIQUE
) STRICT;

-- Pseudonyms a lead has declared to be one person (a typo in a code, say).
CREATE TABLE IF NOT EXISTS person_merges (
    person_id   INTEGER PRIMARY KEY REFERENCES persons(id),
    merged_into INTEGER NOT NULL REFERENCES persons(id),
    merged_by   INTEGER NOT NULL REFERENCES users(id),
    merged_at   TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS field_nights (
    id         INTEGER PRIMARY KEY,
    date       TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    -- envelope: kind (street/online/police), district, staff count
    details    BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS field_nights_date ON field_nights(date);

CREATE TABLE IF NOT EXISTS contacts (
    id             INTEGER PRIMARY KEY,
    date           TEXT NOT NULL,
    person_id      INTEGER REFERENCES persons(id),
    field_night_id INTEGER REFERENCES field_nights(id),
    created_by     INTEGER NOT NULL REFERENCES users(id),
    created_at     INTEGER NOT NULL,   -- seconds since 1970, UTC
    updated_at     INTEGER,
    -- envelope: role, gender, age band, counterpart, district, contact type, referrals,
    -- trafficking indicators (fixed length, so its size says nothing)
    attributes     BLOB NOT NULL,
    -- envelope: the note (4-byte length, then the text), padded to a multiple of 32 bytes, so a
    -- note's length shows only in steps of 32 (and not at all without the page key)
    note           BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS contacts_person ON contacts(person_id, date);
-- A field night's contacts (the interface lists them); partial, so contacts logged without a
-- night (an import, most of a bulk load) cost nothing here.
CREATE INDEX IF NOT EXISTS contacts_field_night ON contacts(field_night_id)
    WHERE field_night_id IS NOT NULL;

-- Funded projects (a buyers' project, a trafficking project): name, funder and period sealed as
-- one envelope (categories key, fixed length). A contact names its projects inside its own
-- attributes envelope (format 3), so neither the link nor its count shows here. A database
-- made before this table reads as having none; the first project added creates it.
CREATE TABLE IF NOT EXISTS projects (
    id         INTEGER PRIMARY KEY,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    details    BLOB NOT NULL
) STRICT;

-- Information and training work (a lecture at a school, training for another service): never
-- a contact with a person, counted apart from contacts. Made like `projects`.
CREATE TABLE IF NOT EXISTS activities (
    id         INTEGER PRIMARY KEY,
    date       TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    -- envelope (categories key): kind, audience, participants
    details    BLOB NOT NULL,
    -- envelope (notes key): the note, padded like a contact's
    note       BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS activities_date ON activities(date, id);

-- The access and change log, HMAC-chained: mac = HMAC(audit key, previous mac || this entry).
-- Never holds a code, a note or a category value.
CREATE TABLE IF NOT EXISTS audit_log (
    seq      INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    user_id  INTEGER REFERENCES users(id),
    action   TEXT NOT NULL,
    objects  TEXT NOT NULL,
    detail   TEXT NOT NULL,
    mac      BLOB NOT NULL
) STRICT;

-- Key slots over time (docs/security.md, "Key hierarchy"). Each active user has an X25519 key
-- pair: the secret half is what their slot in the key file wraps under the passphrase; the master
-- key of the current key version is sealed to the public half here. A rekey re-seals the new
-- master key to every active user's public key without anyone's passphrase; a disabled user's
-- row is deleted, so nothing written after their disable and rekey is sealed to them.
CREATE TABLE IF NOT EXISTS master_wraps (
    user_id        INTEGER PRIMARY KEY REFERENCES users(id),
    public_key     BLOB NOT NULL,
    -- ephemeral X25519 public key (32) | envelope of the master key
    wrapped_master BLOB NOT NULL
) STRICT;

-- The recovery key (shown once at init): the master key sealed to its public key.
CREATE TABLE IF NOT EXISTS recovery_keys (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    public_key     BLOB NOT NULL,
    wrapped_master BLOB NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

-- The pseudonym keys of earlier key versions (row `version`), sealed under the current key:
-- a code is keyed through the whole chain, as `rekey` re-keyed the stored pseudonyms.
CREATE TABLE IF NOT EXISTS pseudonym_keys (
    version    INTEGER PRIMARY KEY,
    sealed_key BLOB NOT NULL
) STRICT;
