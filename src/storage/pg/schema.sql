-- uppsok's tables on PostgreSQL (format 3), in the schema `uppsok`. The columns are those of the
-- repository's schema.sql, which says what each holds; here nothing is encrypted as a whole, so
-- what a database administrator of the server sees is exactly the columns described there as in
-- the clear (ids, contact dates, keyed pseudonyms, links, user names and roles, timestamps, the
-- log's entries) and envelopes (docs/security.md, "The server's administrator"). Every statement
-- is idempotent.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The id sequences: ids are never handed out twice; a rolled-back transaction leaves a gap.
CREATE SEQUENCE IF NOT EXISTS seq_users MINVALUE 1;
CREATE SEQUENCE IF NOT EXISTS seq_persons MINVALUE 1;
CREATE SEQUENCE IF NOT EXISTS seq_contacts MINVALUE 1;
CREATE SEQUENCE IF NOT EXISTS seq_field_nights MINVALUE 1;
CREATE SEQUENCE IF NOT EXISTS seq_projects MINVALUE 1;
CREATE SEQUENCE IF NOT EXISTS seq_activities MINVALUE 1;

CREATE TABLE IF NOT EXISTS users (
    id         BIGINT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('outreach', 'lead', 'auditor', 'admin')),
    disabled   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    mac        BYTEA NOT NULL
);

CREATE TABLE IF NOT EXISTS persons (
    id        BIGINT PRIMARY KEY,
    pseudonym BYTEA NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS person_merges (
    person_id   BIGINT PRIMARY KEY REFERENCES persons(id),
    merged_into BIGINT NOT NULL REFERENCES persons(id),
    merged_by   BIGINT NOT NULL REFERENCES users(id),
    merged_at   TEXT NOT NULL
);

-- Field nights, contacts and activities are each unit's: every row has its `unit` (the unit of
-- the user who wrote it, which the application fills in and `audit` checks), and each unit's rows
-- are in a partition of their own, in a schema of their own, `uppsok_u<unit>` ("Each unit's
-- tables" below). Ids stay unique through the one sequence (`audit` checks that too).
CREATE TABLE IF NOT EXISTS field_nights (
    id         BIGINT NOT NULL,
    date       TEXT COLLATE "C" NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    details    BYTEA NOT NULL,
    unit       BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (id, unit)
) PARTITION BY LIST (unit);
CREATE INDEX IF NOT EXISTS field_nights_date ON field_nights(date);

-- A contact's field night is its own unit's (the key includes the unit).
CREATE TABLE IF NOT EXISTS contacts (
    id             BIGINT NOT NULL,
    date           TEXT COLLATE "C" NOT NULL,
    person_id      BIGINT,
    field_night_id BIGINT,
    created_by     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT,
    attributes     BYTEA NOT NULL,
    note           BYTEA NOT NULL,
    unit           BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (id, unit),
    CONSTRAINT contacts_person_id_fkey FOREIGN KEY (person_id) REFERENCES persons(id),
    CONSTRAINT contacts_field_night_id_fkey FOREIGN KEY (field_night_id, unit)
        REFERENCES field_nights(id, unit),
    CONSTRAINT contacts_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id)
) PARTITION BY LIST (unit);
-- A person's contacts, with their dates for the first-contact scan (an index-only scan in
-- person order): the dates carried, not sorted by, which a bulk load's rebuild of the index
-- does in 0.44 s at a million contacts against 0.6 s with them in the key.
CREATE INDEX IF NOT EXISTS contacts_person ON contacts(person_id) INCLUDE (date);
CREATE INDEX IF NOT EXISTS contacts_field_night ON contacts(field_night_id)
    WHERE field_night_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS projects (
    id         BIGINT PRIMARY KEY,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    details    BYTEA NOT NULL
);

CREATE TABLE IF NOT EXISTS activities (
    id         BIGINT NOT NULL,
    date       TEXT COLLATE "C" NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    details    BYTEA NOT NULL,
    note       BYTEA NOT NULL,
    unit       BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (id, unit)
) PARTITION BY LIST (unit);
CREATE INDEX IF NOT EXISTS activities_date ON activities(date, id);

CREATE TABLE IF NOT EXISTS audit_log (
    seq      BIGINT PRIMARY KEY,
    at       TEXT NOT NULL,
    user_id  BIGINT REFERENCES users(id),
    action   TEXT NOT NULL,
    objects  TEXT NOT NULL,
    detail   TEXT NOT NULL,
    mac      BYTEA NOT NULL
);

CREATE TABLE IF NOT EXISTS master_wraps (
    user_id        BIGINT PRIMARY KEY REFERENCES users(id),
    public_key     BYTEA NOT NULL,
    wrapped_master BYTEA NOT NULL
);

CREATE TABLE IF NOT EXISTS recovery_keys (
    id             BIGINT PRIMARY KEY CHECK (id = 1),
    public_key     BYTEA NOT NULL,
    wrapped_master BYTEA NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS pseudonym_keys (
    version    BIGINT PRIMARY KEY,
    sealed_key BYTEA NOT NULL
);

-- The key file (SQLite keeps it beside the database file as FILE.keys): the users' slots, each
-- sealing the page key and their own secret under their passphrase. Written in the transaction
-- that changes it.
CREATE TABLE IF NOT EXISTS key_file (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    bytes BYTEA NOT NULL
);

-- HMAC-SHA256 of a fixed label under the page key: a key file that seals another database's page
-- key does not open this one (on SQLite, the page key itself decrypts the file).
CREATE TABLE IF NOT EXISTS page_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    check_value BYTEA NOT NULL
);

-- The log is append-only on the server too: no role, its owner included, can change or remove an
-- entry while this trigger is enabled (only the table's owner or a superuser can turn it off,
-- which is why the application connects as a role that owns nothing; docs/deploy.md). `uppsok
-- audit` fails when the trigger is missing or disabled, or when the role it connects as could
-- rewrite the log (it owns the table, is a superuser, or may UPDATE, DELETE or TRUNCATE it).
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'the uppsok audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Units on the server (docs/units.md, docs/deploy.md "A role per unit"). `unit_roles` says which
-- database role is which unit's: the schema's owner writes it (no role the application connects
-- as may). `user_units` says which unit each user is in (a user not listed is in the first):
-- uppsok writes it when an administrator adds a user to a unit, connected as a city role (one
-- not in `unit_roles`). A unit's role may write only its own unit's contacts, field nights and
-- activities (no other unit's tables are granted to it, and within its own none of another
-- unit's user), may not rewrite or remove a person (only a city role's rekey and forget do), and may not write
-- `user_units`: each is refused by a trigger, so the statement fails and nothing of the
-- transaction is kept. Reads: below ("Each unit's tables").
CREATE TABLE IF NOT EXISTS unit_roles (
    role_name TEXT PRIMARY KEY,
    unit      BIGINT NOT NULL CHECK (unit >= 1)
);
CREATE TABLE IF NOT EXISTS user_units (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    unit    BIGINT NOT NULL CHECK (unit >= 1)
);
-- Every function the guards run pins its search path: a type or table name resolved through
-- the session's own (a temporary `text` domain cast `current_user` to one letter: a red team
-- turned every guard off that way) would be the session's to choose.
CREATE OR REPLACE FUNCTION session_unit() RETURNS BIGINT LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp AS $$
    SELECT unit FROM uppsok.unit_roles WHERE role_name = current_user::pg_catalog.text
$$;
CREATE OR REPLACE FUNCTION unit_of_user(u BIGINT) RETURNS BIGINT LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT unit FROM uppsok.user_units WHERE user_id = u), 1)
$$;
-- Statement-level, over the rows a statement wrote (transition tables): one query a statement,
-- so a city role's import pays one lookup, not one a row.
CREATE OR REPLACE FUNCTION unit_rows_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    own BIGINT := uppsok.session_unit();
    others BIGINT := 0;
BEGIN
    IF own IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT count(*) INTO others FROM old_rows o
            LEFT JOIN uppsok.user_units u ON u.user_id = o.created_by
            WHERE coalesce(u.unit, 1) <> own;
    END IF;
    IF others = 0 AND TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT count(*) INTO others FROM new_rows n
            LEFT JOIN uppsok.user_units u ON u.user_id = n.created_by
            WHERE coalesce(u.unit, 1) <> own;
    END IF;
    IF others > 0 THEN
        RAISE EXCEPTION 'uppsok: a unit''s role may not % another unit''s %', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION city_rows_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF uppsok.session_unit() IS NOT NULL THEN
        RAISE EXCEPTION 'uppsok: a unit''s role may not % %', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER contacts_unit_inserts AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION unit_rows_guard();
CREATE OR REPLACE TRIGGER contacts_unit_updates AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_rows_guard();
CREATE OR REPLACE TRIGGER contacts_unit_deletes AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION unit_rows_guard();
CREATE OR REPLACE TRIGGER field_nights_unit_inserts AFTER INSERT ON field_nights
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION unit_rows_guard();
CREATE OR REPLACE TRIGGER field_nights_unit_updates AFTER UPDATE ON field_nights
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_rows_guard();
CREATE OR REPLACE TRIGGER field_nights_unit_deletes AFTER DELETE ON field_nights
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION unit_rows_guard();
CREATE OR REPLACE TRIGGER activities_unit_inserts AFTER INSERT ON activities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION unit_rows_guard();
CREATE OR REPLACE TRIGGER activities_unit_updates AFTER UPDATE ON activities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_rows_guard();
CREATE OR REPLACE TRIGGER activities_unit_deletes AFTER DELETE ON activities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION unit_rows_guard();
CREATE OR REPLACE TRIGGER persons_city_rows BEFORE UPDATE OR DELETE ON persons
    FOR EACH STATEMENT EXECUTE FUNCTION city_rows_guard();
CREATE OR REPLACE TRIGGER user_units_city_rows BEFORE INSERT OR UPDATE OR DELETE ON user_units
    FOR EACH STATEMENT EXECUTE FUNCTION city_rows_guard();
CREATE OR REPLACE TRIGGER unit_roles_city_rows BEFORE INSERT OR UPDATE OR DELETE ON unit_roles
    FOR EACH STATEMENT EXECUTE FUNCTION city_rows_guard();
-- The city's shared tables. Users, the recovery key, the pseudonym keys, the page key's check
-- and (with several units) the projects are written only by administration, which a unit's role
-- is refused (it holds no privilege to, and these guards refuse it as well). What a unit's staff
-- write in their own work (a log entry with every change, a merge of two persons, a
-- passphrase's key wrap, the key file's seal with a new passphrase) a unit's role writes only in
-- its own unit's users' names: the column naming the author (`TG_ARGV[0]`) of every row a
-- statement writes, and of every row it changes, must be a user of its unit. A merge may remove
-- another unit's merge of the same persons (merging a group moves each merge onto the new
-- person), so a merge's removal is not guarded: `audit` names one made outside uppsok, and uppsok
-- changes no merge while the table is not as logged. The key file itself (one row of every
-- user's slots, each sealed and signed) is not the server's to read: a change by a unit's role
-- is caught by `audit`, not refused.
CREATE OR REPLACE FUNCTION unit_authors_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    own BIGINT := uppsok.session_unit();
    others BIGINT := 0;
    query TEXT := 'SELECT count(*) FROM %I r LEFT JOIN uppsok.user_units u ON u.user_id = r.%I
                    WHERE r.%I IS NULL OR coalesce(u.unit, 1) <> $1';
BEGIN
    IF own IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format(query, 'old_rows', TG_ARGV[0], TG_ARGV[0]) INTO others USING own;
    END IF;
    IF others = 0 AND TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format(query, 'new_rows', TG_ARGV[0], TG_ARGV[0]) INTO others USING own;
    END IF;
    IF others > 0 THEN
        RAISE EXCEPTION 'uppsok: a unit''s role may not % % of another unit''s user', TG_OP,
            TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
-- The settings a unit's staff change: the log's head (with every entry), the key file's
-- generation and seal (a new passphrase), the default method of disclosure control (a lead's
-- `config publish-method`, signed in the log).
CREATE OR REPLACE FUNCTION unit_meta_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    others BIGINT := 0;
BEGIN
    IF uppsok.session_unit() IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT count(*) INTO others FROM old_rows
         WHERE key NOT IN ('audit_head', 'key_file_generation', 'key_file_seal', 'publish_method');
    END IF;
    IF others = 0 AND TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT count(*) INTO others FROM new_rows
         WHERE key NOT IN ('audit_head', 'key_file_generation', 'key_file_seal', 'publish_method');
    END IF;
    IF others > 0 OR TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'uppsok: a unit''s role may not % the city''s settings', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER audit_log_unit_authors AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_authors_guard('user_id');
CREATE OR REPLACE TRIGGER person_merges_unit_inserts AFTER INSERT ON person_merges
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_authors_guard('merged_by');
CREATE OR REPLACE TRIGGER person_merges_unit_updates AFTER UPDATE ON person_merges
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_authors_guard('merged_by');
CREATE OR REPLACE TRIGGER master_wraps_unit_inserts AFTER INSERT ON master_wraps
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_authors_guard('user_id');
CREATE OR REPLACE TRIGGER master_wraps_unit_updates AFTER UPDATE ON master_wraps
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_authors_guard('user_id');
CREATE OR REPLACE TRIGGER master_wraps_unit_deletes AFTER DELETE ON master_wraps
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_authors_guard('user_id');
CREATE OR REPLACE TRIGGER meta_unit_inserts AFTER INSERT ON meta
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION unit_meta_guard();
CREATE OR REPLACE TRIGGER meta_unit_updates AFTER UPDATE ON meta
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_meta_guard();
CREATE OR REPLACE TRIGGER meta_unit_deletes AFTER DELETE ON meta
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION unit_meta_guard();
CREATE OR REPLACE TRIGGER users_city_rows BEFORE INSERT OR UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION city_rows_guard();
CREATE OR REPLACE TRIGGER recovery_keys_city_rows BEFORE INSERT OR UPDATE OR DELETE ON recovery_keys
    FOR EACH STATEMENT EXECUTE FUNCTION city_rows_guard();
CREATE OR REPLACE TRIGGER pseudonym_keys_city_rows BEFORE INSERT OR UPDATE OR DELETE ON pseudonym_keys
    FOR EACH STATEMENT EXECUTE FUNCTION city_rows_guard();
CREATE OR REPLACE TRIGGER page_key_city_rows BEFORE INSERT OR UPDATE OR DELETE ON page_key
    FOR EACH STATEMENT EXECUTE FUNCTION city_rows_guard();
CREATE OR REPLACE TRIGGER projects_city_rows BEFORE INSERT OR UPDATE OR DELETE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION city_rows_guard();
CREATE OR REPLACE TRIGGER key_file_city_rows BEFORE DELETE ON key_file
    FOR EACH STATEMENT EXECUTE FUNCTION city_rows_guard();

-- Each unit's tables (docs/deploy.md, "A role per unit"). The field nights, contacts and
-- activities of unit N are the partitions `uppsok_uN.field_nights`, `uppsok_uN.contacts` and
-- `uppsok_uN.activities` of the tables above, in a schema of their own. A unit's role is granted
-- its own schema's three tables (`uppsok unit role` does it) and nothing of the tables above nor
-- of another unit's schema: another unit's rows are not in any table it may read, so neither a
-- query, nor `EXPLAIN`, nor the server's column statistics (`pg_stats` shows a role only the
-- tables it may read) tell it anything of them. What still shows is each table's size and
-- row counts (`pg_class`, `pg_stat_user_tables` are the server's to every role; docs/deploy.md,
-- "Reads"). A unit's role reaches its tables under the names above: uppsok puts its unit's
-- schema first on the search path. The city's roles read and write every unit's rows through the
-- tables above. The guards are on each unit's tables too: a statement on a partition fires the
-- partition's own statement triggers, not the table's. Only the tables' owner may make a table,
-- so the role the application connects as has `unit add` make a unit's through
-- `make_unit_tables()`, which runs as the owner and makes the unit's schema, its three tables
-- and their guards, and nothing else; it is idempotent. The first unit's are made with the
-- schema.
CREATE OR REPLACE FUNCTION make_unit_tables(u BIGINT) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s TEXT;
    t TEXT;
    op TEXT;
BEGIN
    IF u IS NULL OR u < 1 OR u > 100000 THEN
        RAISE EXCEPTION 'uppsok: no unit %', u USING ERRCODE = 'invalid_parameter_value';
    END IF;
    s := 'uppsok_u' || u::text;
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', s);
    FOREACH t IN ARRAY ARRAY['field_nights', 'contacts', 'activities'] LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF uppsok.%I FOR VALUES IN (%s)',
                       s, t, t, u);
        FOREACH op IN ARRAY ARRAY['inserts', 'updates', 'deletes'] LOOP
            EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER %s ON %I.%I REFERENCING %s
                            FOR EACH STATEMENT EXECUTE FUNCTION uppsok.unit_rows_guard()',
                           t || '_unit_' || op,
                           CASE op WHEN 'inserts' THEN 'INSERT' WHEN 'updates' THEN 'UPDATE'
                                   ELSE 'DELETE' END,
                           s, t,
                           CASE op WHEN 'inserts' THEN 'NEW TABLE AS new_rows'
                                   WHEN 'updates' THEN 'OLD TABLE AS old_rows NEW TABLE AS new_rows'
                                   ELSE 'OLD TABLE AS old_rows' END);
        END LOOP;
    END LOOP;
    PERFORM uppsok.unit_copy_grants();
END
$$;
-- A bulk load copies a unit's contacts into the unit's own table, which PostgreSQL writes in
-- batches, and not into the table of every unit, whose guards read the rows written, which has
-- it insert them one at a time (docs/performance.md). So each role that may insert into the
-- table of every unit's contacts itself (the application's, a city's; not a unit's, whose
-- grants are on its own unit's tables only) is granted the same on each unit's own contacts
-- table, and nothing more: what it may do there it may do through the table of every unit
-- already, and the unit's table has the same guards. `make_unit_tables()` runs it for a new
-- unit; the application's grants (`storage::pg::app_grants`) run it for the units there are.
CREATE OR REPLACE FUNCTION unit_copy_grants() RETURNS void LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s TEXT;
    r TEXT;
BEGIN
    FOR s, r IN
        SELECT n.nspname::text, a.grantee::regrole::text
          FROM pg_class c
         CROSS JOIN LATERAL aclexplode(c.relacl) a
         CROSS JOIN pg_namespace n
         WHERE c.oid = 'uppsok.contacts'::regclass
           AND a.privilege_type = 'INSERT' AND a.grantee <> 0 AND a.grantee <> c.relowner
           AND NOT EXISTS (SELECT 1 FROM uppsok.unit_roles u
                            WHERE u.role_name = a.grantee::regrole::text
                               OR quote_ident(u.role_name) = a.grantee::regrole::text)
           AND n.nspname ~ '^uppsok_u[1-9][0-9]*$'
           AND to_regclass(quote_ident(n.nspname) || '.contacts') IS NOT NULL
         ORDER BY 1, 2
    LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %s', s, r);
        EXECUTE format('GRANT INSERT ON %I.contacts TO %s', s, r);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION make_unit_tables(BIGINT) FROM PUBLIC;
REVOKE ALL ON FUNCTION unit_copy_grants() FROM PUBLIC;
SELECT make_unit_tables(1);

-- Bulk loads (an import of many rows, a migrate). Checking each new contact's three references
-- and putting it into the person index and the primary key one row at a time is most of the
-- server's time in a large import (a query per reference per row; index pages in random order):
-- a bulk load drops the primary key, the person index and the contacts' foreign keys, and the
-- persons' unique pseudonyms (new persons come in random order of pseudonym), and makes them
-- again before its transaction commits, which checks every reference in one query, builds each
-- index sorted, and fails the commit if an id or a pseudonym is there twice. Only the
-- tables' owner may change a table, so the role the application connects as does it through
-- `begin_bulk_load()`, which runs as the owner, does that and nothing else, and cannot leave
-- the table without them: it queues `end_bulk_load`, a deferred constraint trigger that makes
-- them again when the transaction commits (or earlier, at `SET CONSTRAINTS ... IMMEDIATE`), and
-- a reference that does not hold then fails the commit, so nothing of the transaction is kept.
-- A rolled-back transaction takes the drop back with it. The load holds the contacts and the
-- persons tables alone until it ends, from readers too, and keeps others from writing the
-- tables the contacts' keys refer to (as `LOCK TABLE`, which the application's role may take
-- anyway).
CREATE TABLE IF NOT EXISTS bulk_loads (
    transaction_id BIGINT PRIMARY KEY
);
CREATE OR REPLACE FUNCTION begin_bulk_load() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM uppsok.bulk_loads WHERE transaction_id = txid_current()) THEN
        RETURN; -- this transaction's load is already on
    END IF;
    ALTER TABLE uppsok.contacts
        DROP CONSTRAINT IF EXISTS contacts_person_id_fkey,
        DROP CONSTRAINT IF EXISTS contacts_field_night_id_fkey,
        DROP CONSTRAINT IF EXISTS contacts_created_by_fkey,
        DROP CONSTRAINT IF EXISTS contacts_pkey;
    DROP INDEX IF EXISTS uppsok.contacts_person;
    ALTER TABLE uppsok.persons DROP CONSTRAINT IF EXISTS persons_pseudonym_key;
    -- Queued last: were the trigger set to fire at once (`SET CONSTRAINTS ... IMMEDIATE`), it
    -- fires at the end of this statement, after the drops, and makes everything again.
    INSERT INTO uppsok.bulk_loads VALUES (txid_current());
END
$$;
CREATE OR REPLACE FUNCTION end_bulk_load() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    seq_scan TEXT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'uppsok.contacts'::regclass
                   AND conname = 'contacts_pkey') THEN
        ALTER TABLE uppsok.contacts ADD CONSTRAINT contacts_pkey PRIMARY KEY (id, unit);
    END IF;
    CREATE INDEX IF NOT EXISTS contacts_person ON uppsok.contacts(person_id) INCLUDE (date);
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'uppsok.persons'::regclass
                   AND conname = 'persons_pseudonym_key') THEN
        ALTER TABLE uppsok.persons ADD CONSTRAINT persons_pseudonym_key UNIQUE (pseudonym);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'uppsok.contacts'::regclass
                   AND conname = 'contacts_person_id_fkey') THEN
        ALTER TABLE uppsok.contacts ADD CONSTRAINT contacts_person_id_fkey
            FOREIGN KEY (person_id) REFERENCES uppsok.persons(id);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'uppsok.contacts'::regclass
                   AND conname = 'contacts_field_night_id_fkey') THEN
        -- Checked through `contacts_field_night`, the index of the contacts that name a night
        -- (an import's name none), not by reading every row: rows just loaded have no
        -- statistics, so the planner would read them all.
        seq_scan := current_setting('enable_seqscan');
        PERFORM set_config('enable_seqscan', 'off', true);
        ALTER TABLE uppsok.contacts ADD CONSTRAINT contacts_field_night_id_fkey
            FOREIGN KEY (field_night_id, unit) REFERENCES uppsok.field_nights(id, unit);
        PERFORM set_config('enable_seqscan', seq_scan, true);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'uppsok.contacts'::regclass
                   AND conname = 'contacts_created_by_fkey') THEN
        ALTER TABLE uppsok.contacts ADD CONSTRAINT contacts_created_by_fkey
            FOREIGN KEY (created_by) REFERENCES uppsok.users(id);
    END IF;
    DELETE FROM uppsok.bulk_loads WHERE transaction_id = NEW.transaction_id;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION begin_bulk_load() FROM PUBLIC;
REVOKE ALL ON FUNCTION end_bulk_load() FROM PUBLIC;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'bulk_load_ends'
                   AND tgrelid = 'uppsok.bulk_loads'::regclass) THEN
        CREATE CONSTRAINT TRIGGER bulk_load_ends AFTER INSERT ON uppsok.bulk_loads
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION uppsok.end_bulk_load();
    END IF;
END $$;
