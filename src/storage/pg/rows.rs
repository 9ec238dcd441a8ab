//! The port's reads and writes, as SQL on PostgreSQL. Scans fetch pages of rows in key order
//! ([`Session::pages`]), so a scan of a million contacts never holds them all, and the
//! connection is free while the visitor runs.

use postgres::types::ToSql;
use postgres::Row;

use super::{
    bounds, get, read_key_file, unit_grants, unit_schema, unit_schemas_pattern, Session,
    SCHEMA_NAME,
};
use crate::storage::port::*;
use crate::storage::{Result, StorageError};

const CONTACT_COLUMNS: &str = "c.id, c.date, c.person_id, p.pseudonym, c.field_night_id,
     c.created_by, c.created_at, c.attributes, c.note";

/// The server sequence an id sequence lives in (one per sequence, `seq_NAME`).
pub(super) fn sequence_name(sequence: Sequence) -> String {
    format!("seq_{}", sequence.as_str())
}

fn contact_row(r: &Row) -> Result<ContactRow> {
    Ok(ContactRow {
        id: get(r, 0)?,
        date: get(r, 1)?,
        person_id: get(r, 2)?,
        pseudonym: get(r, 3)?,
        field_night_id: get(r, 4)?,
        created_by: get(r, 5)?,
        created_at: get(r, 6)?,
        attributes: get(r, 7)?,
        note: get(r, 8)?,
    })
}

fn field_night_row(r: &Row) -> Result<FieldNightRow> {
    Ok(FieldNightRow {
        id: get(r, 0)?,
        date: get(r, 1)?,
        created_by: get(r, 2)?,
        created_at: get(r, 3)?,
        details: get(r, 4)?,
    })
}

fn user_row(r: &Row) -> Result<UserRow> {
    Ok(UserRow {
        id: get(r, 0)?,
        name: get(r, 1)?,
        role: get(r, 2)?,
        disabled: get(r, 3)?,
        created_at: get(r, 4)?,
        mac: get(r, 5)?,
    })
}

fn audit_row(r: &Row) -> Result<AuditRow> {
    Ok(AuditRow {
        seq: get(r, 0)?,
        at: get(r, 1)?,
        user_id: get(r, 2)?,
        action: get(r, 3)?,
        objects: get(r, 4)?,
        detail: get(r, 5)?,
        mac: get(r, 6)?,
    })
}

fn all<T>(rows: Vec<Row>, f: fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(f).collect()
}

fn pair<A, B>(r: &Row) -> Result<(A, B)>
where
    A: for<'a> postgres::types::FromSql<'a>,
    B: for<'a> postgres::types::FromSql<'a>,
{
    Ok((get(r, 0)?, get(r, 1)?))
}

fn version(v: i64) -> Result<u32> {
    u32::try_from(v)
        .map_err(|_| StorageError::Changed("a key version out of range in pseudonym_keys".into()))
}

impl MetaReads for Session<'_> {
    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
            .map(|r| get(&r, 0))
            .transpose()
    }

    fn meta_entries(&self) -> Result<Vec<(String, String)>> {
        let rows = self.conn.query(
            "SELECT key, value FROM meta ORDER BY key COLLATE \"C\"",
            &[],
        )?;
        all(rows, pair)
    }

    fn peek_next_id(&self, sequence: Sequence) -> Result<i64> {
        self.only_writer("reading a sequence")?;
        let row = self.conn.query_opt(
            &format!(
                "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {}",
                sequence_name(sequence)
            ),
            &[],
        )?;
        row.map(|r| get(&r, 0)).transpose().map(|n| n.unwrap_or(1))
    }

    fn key_file(&self) -> Result<Vec<u8>> {
        read_key_file(self.conn, self.shown)
    }
}

impl MetaWrites for Session<'_> {
    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.change(
            "INSERT INTO meta(key, value) VALUES ($1, $2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn write_key_file(&self, bytes: &[u8]) -> Result<()> {
        self.change(
            "INSERT INTO key_file(id, bytes) VALUES (1, $1)
             ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes",
            &[&bytes],
        )?;
        Ok(())
    }

    fn set_next_id(&self, sequence: Sequence, next: i64) -> Result<()> {
        self.only_writer("moving a sequence")?;
        // The sequence's next `nextval` gives `next` (not undone by a rollback: a gap).
        self.change(
            &format!("SELECT setval('{}', $1, false)", sequence_name(sequence)),
            &[&next],
        )?;
        Ok(())
    }

    fn upgrade_schema(&self) -> Result<()> {
        // A database on a server is made whole, in this format, by `init` (or `migrate`); the
        // role the application connects as may not change the schema (docs/deploy.md).
        Ok(())
    }

    fn begin_bulk_load(&self) -> Result<()> {
        self.only_writer("a bulk load")?;
        // Write statements run without savepoints (an error ends the load, which the caller
        // rolls back), and new persons and contacts are gathered and sent in batches (`Pending`).
        self.bulk.set(true);
        // Checking each row's references and updating the person index row by row is most of
        // the server's time: the schema's `begin_bulk_load()` drops the index and the
        // contacts' foreign keys for the load, and makes them again (one sorted index build,
        // one check of every reference) at `end_bulk_load`, or at the latest when the
        // transaction commits (schema.sql). It holds the contacts table until the end. A role
        // not granted it (docs/deploy.md) loads with them in place, slower.
        let granted: Option<bool> = get(
            &self.conn.query(
                &format!(
                    "SELECT has_function_privilege(
                         to_regprocedure('{SCHEMA_NAME}.begin_bulk_load()'), 'EXECUTE')"
                ),
                &[],
            )?[0],
            0,
        )?;
        if granted == Some(true) {
            self.conn
                .batch(&format!("SELECT {SCHEMA_NAME}.begin_bulk_load()"))?;
            self.bulk_dropped.set(true);
        }
        Ok(())
    }

    fn end_bulk_load(&self) -> Result<()> {
        self.bulk.set(false);
        self.conn.flush()?;
        self.conn.forget_known();
        // The deferred trigger that makes the index and the keys again fires now, not at the
        // commit: what the transaction writes next (its log entry) is checked as usual.
        if !self.bulk_dropped.replace(false) {
            return Ok(());
        }
        self.conn.batch(&format!(
            "SET CONSTRAINTS {SCHEMA_NAME}.bulk_load_ends IMMEDIATE;
             SET CONSTRAINTS {SCHEMA_NAME}.bulk_load_ends DEFERRED"
        ))
    }
}

impl ContactReads for Session<'_> {
    fn scan_contacts(&self, visit: &mut dyn FnMut(ContactRow) -> Visit) -> Result<()> {
        self.pages(
            &format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts c
                 LEFT JOIN persons p ON p.id = c.person_id WHERE c.id >= $1 ORDER BY c.id LIMIT $2"
            ),
            &[],
            &mut |r| Ok(visit(contact_row(r)?)),
        )
    }

    fn scan_stored_contacts(&self, visit: &mut dyn FnMut(ContactRow) -> Visit) -> Result<()> {
        self.pages(
            "SELECT c.id, c.date, c.person_id, NULL::bytea, c.field_night_id, c.created_by,
                    c.created_at, c.attributes, c.note
             FROM contacts c WHERE c.id >= $1 ORDER BY c.id LIMIT $2",
            &[],
            &mut |r| Ok(visit(contact_row(r)?)),
        )
    }

    fn scan_stat_rows(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        visit: &mut dyn FnMut(StatRow<'_>) -> Visit,
    ) -> Result<()> {
        let (lo, hi) = bounds(from, to);
        // Streamed, not paged: the statistics decrypt each row while the server sends the
        // next (their visitor reads nothing else).
        self.conn.stream(
            "SELECT id, date, person_id, created_by, attributes FROM contacts
             WHERE date BETWEEN $1 AND $2 ORDER BY id",
            &[&lo, &hi],
            &mut |r| {
                let date: &str = get(r, 1)?;
                let attributes: &[u8] = get(r, 4)?;
                Ok(visit(StatRow {
                    id: get(r, 0)?,
                    date,
                    person_id: get(r, 2)?,
                    created_by: get(r, 3)?,
                    attributes,
                }))
            },
        )
    }

    fn scan_contact_index(
        &self,
        visit: &mut dyn FnMut(i64, &str, Option<i64>) -> Visit,
    ) -> Result<()> {
        self.pages(
            "SELECT id, date, person_id FROM contacts WHERE id >= $1 ORDER BY id LIMIT $2",
            &[],
            &mut |r| Ok(visit(get(r, 0)?, get(r, 1)?, get(r, 2)?)),
        )
    }

    fn scan_first_contacts(&self, visit: &mut dyn FnMut(i64, &str) -> Visit) -> Result<()> {
        // One query, streamed, and no order asked: the server picks a parallel sequential scan
        // or the person index, whichever is cheaper. Paged by person, each page was an
        // index-only scan, which reads the table too where the visibility map is not yet set
        // (a load autovacuum has not reached): 1.9 s for 1M contacts, against 0.36 s for this
        // query; 0.36 s against 0.11 s once it is set (docs/performance.md).
        self.conn.stream(
            "SELECT person_id, min(date) FROM contacts WHERE person_id IS NOT NULL
             GROUP BY person_id",
            &[],
            &mut |r| Ok(visit(get(r, 0)?, get(r, 1)?)),
        )
    }

    fn scan_envelopes(
        &self,
        column: EnvelopeColumn,
        visit: &mut dyn FnMut(i64, i64, &[u8]) -> Visit,
    ) -> Result<()> {
        // The names come from the closed enum, never from input.
        let (table, column) = column.names();
        self.pages(
            &format!(
                "SELECT id, created_by, {column} FROM {table} WHERE id >= $1 ORDER BY id LIMIT $2"
            ),
            &[],
            &mut |r| Ok(visit(get(r, 0)?, get(r, 1)?, get(r, 2)?)),
        )
    }

    fn contact(&self, id: i64) -> Result<Option<ContactRow>> {
        self.conn
            .query_opt(
                &format!(
                    "SELECT {CONTACT_COLUMNS} FROM contacts c
                     LEFT JOIN persons p ON p.id = c.person_id WHERE c.id = $1"
                ),
                &[&id],
            )?
            .map(|r| contact_row(&r))
            .transpose()
    }

    fn contacts_of_persons(&self, persons: &[i64]) -> Result<Vec<ContactRow>> {
        let persons = persons.to_vec();
        let rows = self.conn.query(
            &format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts c
                 LEFT JOIN persons p ON p.id = c.person_id WHERE c.person_id = ANY($1)
                 ORDER BY c.date DESC, c.id DESC"
            ),
            &[&persons],
        )?;
        // In the client's order of dates (bytes), whatever the server's collation.
        let mut out = all(rows, contact_row)?;
        out.sort_by(|a, b| (&b.date, b.id).cmp(&(&a.date, a.id)));
        Ok(out)
    }

    fn contacts_of_night(&self, night: i64) -> Result<Vec<ContactRow>> {
        let rows = self.conn.query(
            &format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts c
                 LEFT JOIN persons p ON p.id = c.person_id WHERE c.field_night_id = $1
                 ORDER BY c.id"
            ),
            &[&night],
        )?;
        all(rows, contact_row)
    }

    fn contact_ids_of_person(&self, person: i64) -> Result<Vec<i64>> {
        let rows = self.conn.query(
            "SELECT id FROM contacts WHERE person_id = $1 ORDER BY id",
            &[&person],
        )?;
        rows.iter().map(|r| get(r, 0)).collect()
    }

    fn contact_envelopes(&self, from: i64, limit: i64) -> Result<Vec<ContactEnvelopes>> {
        let rows = self.conn.query(
            "SELECT id, created_by, attributes, note FROM contacts WHERE id >= $1
             ORDER BY id LIMIT $2",
            &[&from, &limit.max(0)],
        )?;
        all(rows, |r| {
            Ok(ContactEnvelopes {
                id: get(r, 0)?,
                created_by: get(r, 1)?,
                attributes: get(r, 2)?,
                note: get(r, 3)?,
            })
        })
    }

    fn notes_before(&self, date: &str, from: i64, limit: i64) -> Result<Vec<(i64, i64, Vec<u8>)>> {
        let rows = self.conn.query(
            "SELECT id, created_by, note FROM contacts WHERE id >= $1 AND date < $2
             ORDER BY id LIMIT $3",
            &[&from, &date, &limit.max(0)],
        )?;
        all(rows, |r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?)))
    }

    fn contact_date_range(&self) -> Result<Option<(String, String)>> {
        let rows = self
            .conn
            .query("SELECT min(date), max(date) FROM contacts", &[])?;
        let (lo, hi): (Option<String>, Option<String>) = pair(&rows[0])?;
        Ok(lo.zip(hi))
    }

    fn contact_count(&self) -> Result<i64> {
        get(
            &self.conn.query("SELECT count(*) FROM contacts", &[])?[0],
            0,
        )
    }

    fn field_night(&self, id: i64) -> Result<Option<FieldNightRow>> {
        self.conn
            .query_opt(
                "SELECT id, date, created_by, created_at, details FROM field_nights WHERE id = $1",
                &[&id],
            )?
            .map(|r| field_night_row(&r))
            .transpose()
    }

    fn field_nights(&self, limit: i64) -> Result<Vec<FieldNightRow>> {
        let rows = self.conn.query(
            "SELECT id, date, created_by, created_at, details FROM field_nights
             ORDER BY date DESC, id DESC LIMIT $1",
            &[&limit.max(0)],
        )?;
        all(rows, field_night_row)
    }

    fn field_night_count(&self, from: Option<&str>, to: Option<&str>) -> Result<i64> {
        let (lo, hi) = bounds(from, to);
        get(
            &self.conn.query(
                "SELECT count(*) FROM field_nights WHERE date BETWEEN $1 AND $2",
                &[&lo, &hi],
            )?[0],
            0,
        )
    }

    fn field_night_counts_by_author(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<(i64, i64)>> {
        let (lo, hi) = bounds(from, to);
        let rows = self.conn.query(
            "SELECT created_by, count(*) FROM field_nights WHERE date BETWEEN $1 AND $2
             GROUP BY created_by ORDER BY created_by",
            &[&lo, &hi],
        )?;
        all(rows, pair)
    }

    fn field_night_envelopes(&self, from: i64, limit: i64) -> Result<Vec<(i64, i64, Vec<u8>)>> {
        let rows = self.conn.query(
            "SELECT id, created_by, details FROM field_nights WHERE id >= $1 ORDER BY id LIMIT $2",
            &[&from, &limit.max(0)],
        )?;
        all(rows, |r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?)))
    }
}

impl ContactWrites for Session<'_> {
    fn insert_contact(&self, c: &ContactRow) -> Result<()> {
        if self.bulk.get() {
            return self.conn.gather_contact(c);
        }
        self.change(
            "INSERT INTO contacts(id, date, person_id, field_night_id, created_by, created_at,
                                  attributes, note, unit)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, unit_of_user($5))",
            &new_contact_values(c),
        )?;
        Ok(())
    }

    fn update_contact(&self, c: &ContactRow, updated_at: i64) -> Result<bool> {
        let n = self.change(
            "UPDATE contacts SET date = $2, person_id = $3, attributes = $4, note = $5,
                                 updated_at = $6 WHERE id = $1",
            &[
                &c.id,
                &c.date,
                &c.person_id,
                &c.attributes,
                &c.note,
                &updated_at,
            ],
        )?;
        Ok(n == 1)
    }

    fn update_contact_envelopes(&self, c: &ContactEnvelopes) -> Result<()> {
        self.change(
            "UPDATE contacts SET attributes = $2, note = $3 WHERE id = $1",
            &[&c.id, &c.attributes, &c.note],
        )?;
        Ok(())
    }

    fn update_note(&self, id: i64, note: &[u8]) -> Result<()> {
        self.change("UPDATE contacts SET note = $2 WHERE id = $1", &[&id, &note])?;
        Ok(())
    }

    fn delete_contact(&self, id: i64) -> Result<bool> {
        Ok(self.change("DELETE FROM contacts WHERE id = $1", &[&id])? == 1)
    }

    fn insert_field_night(&self, n: &FieldNightRow) -> Result<()> {
        self.change(
            "INSERT INTO field_nights(id, date, created_by, created_at, details, unit)
             VALUES ($1, $2, $3, $4, $5, unit_of_user($3))",
            &[&n.id, &n.date, &n.created_by, &n.created_at, &n.details],
        )?;
        Ok(())
    }

    fn update_field_night_details(&self, id: i64, details: &[u8]) -> Result<()> {
        self.change(
            "UPDATE field_nights SET details = $2 WHERE id = $1",
            &[&id, &details],
        )?;
        Ok(())
    }
}

impl PersonReads for Session<'_> {
    fn person_by_pseudonym(&self, pseudonym: &[u8]) -> Result<Option<i64>> {
        // A bulk load asks for every new code: it looks persons up in a map (`Pending`).
        if self.bulk.get() {
            return self.conn.bulk_person(pseudonym);
        }
        self.conn
            .query_opt("SELECT id FROM persons WHERE pseudonym = $1", &[&pseudonym])?
            .map(|r| get(&r, 0))
            .transpose()
    }

    fn scan_persons(&self, from: i64, visit: &mut dyn FnMut(i64, &[u8]) -> Visit) -> Result<()> {
        self.pages(
            "SELECT id, pseudonym FROM persons WHERE id >= $1 AND id >= $2 ORDER BY id LIMIT $3",
            &[&from],
            &mut |r| Ok(visit(get(r, 0)?, get(r, 1)?)),
        )
    }

    fn person_contacts(&self, persons: &[i64]) -> Result<PersonContacts> {
        let persons = persons.to_vec();
        let rows = self.conn.query(
            "SELECT count(*), max(date) FROM contacts WHERE person_id = ANY($1)",
            &[&persons],
        )?;
        let (count, last_date) = pair(&rows[0])?;
        let latest = self
            .conn
            .query_opt(
                "SELECT id, attributes FROM contacts WHERE person_id = ANY($1)
                 ORDER BY date DESC, id DESC LIMIT 1",
                &[&persons],
            )?
            .map(|r| pair(&r))
            .transpose()?;
        Ok(PersonContacts {
            count,
            last_date,
            latest,
        })
    }

    fn merges(&self) -> Result<Vec<MergeRow>> {
        let rows = self.conn.query(
            "SELECT person_id, merged_into, merged_by, merged_at FROM person_merges
             ORDER BY person_id",
            &[],
        )?;
        all(rows, |r| {
            Ok(MergeRow {
                person_id: get(r, 0)?,
                merged_into: get(r, 1)?,
                merged_by: get(r, 2)?,
                merged_at: get(r, 3)?,
            })
        })
    }
}

impl PersonWrites for Session<'_> {
    fn insert_person(&self, id: i64, pseudonym: &[u8]) -> Result<()> {
        if self.bulk.get() {
            return self.conn.gather_person(id, pseudonym);
        }
        self.change(
            "INSERT INTO persons(id, pseudonym) VALUES ($1, $2)",
            &[&id, &pseudonym],
        )?;
        Ok(())
    }

    fn update_pseudonym(&self, person: i64, pseudonym: &[u8]) -> Result<()> {
        self.change(
            "UPDATE persons SET pseudonym = $2 WHERE id = $1",
            &[&person, &pseudonym],
        )?;
        Ok(())
    }

    fn delete_person(&self, person: i64) -> Result<usize> {
        let n = self.change("DELETE FROM contacts WHERE person_id = $1", &[&person])?;
        self.change(
            "DELETE FROM person_merges WHERE person_id = $1 OR merged_into = $1",
            &[&person],
        )?;
        self.change("DELETE FROM persons WHERE id = $1", &[&person])?;
        Ok(n as usize)
    }

    fn insert_merge(&self, m: &MergeRow) -> Result<()> {
        self.change(
            "INSERT INTO person_merges(person_id, merged_into, merged_by, merged_at)
             VALUES ($1, $2, $3, $4)",
            &[&m.person_id, &m.merged_into, &m.merged_by, &m.merged_at],
        )?;
        Ok(())
    }

    fn delete_merge(&self, person: i64) -> Result<bool> {
        Ok(self.change("DELETE FROM person_merges WHERE person_id = $1", &[&person])? == 1)
    }
}

const USER_COLUMNS: &str = "id, name, role, disabled, created_at, mac";

impl StaffReads for Session<'_> {
    fn user_units(&self) -> Result<Option<Vec<(i64, i64)>>> {
        let rows = self
            .conn
            .query("SELECT user_id, unit FROM user_units ORDER BY user_id", &[])?;
        Ok(Some(all(rows, |r| Ok((get(r, 0)?, get(r, 1)?)))?))
    }

    fn unit_roles(&self) -> Result<Option<Vec<(String, i64)>>> {
        let rows = self.conn.query(
            "SELECT role_name, unit FROM unit_roles ORDER BY role_name",
            &[],
        )?;
        Ok(Some(all(rows, |r| Ok((get(r, 0)?, get(r, 1)?)))?))
    }

    fn row_scope(&self) -> Result<Option<i64>> {
        get(&self.conn.query("SELECT session_unit()", &[])?[0], 0)
    }

    fn user_by_name(&self, name: &str) -> Result<Option<UserRow>> {
        self.conn
            .query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1"),
                &[&name],
            )?
            .map(|r| user_row(&r))
            .transpose()
    }

    fn users(&self) -> Result<Vec<UserRow>> {
        let rows = self.conn.query(
            &format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"),
            &[],
        )?;
        all(rows, user_row)
    }

    fn master_wrap(&self, user: i64) -> Result<Option<MasterWrapRow>> {
        self.conn
            .query_opt(
                "SELECT user_id, public_key, wrapped_master FROM master_wraps WHERE user_id = $1",
                &[&user],
            )?
            .map(|r| {
                Ok(MasterWrapRow {
                    user_id: get(&r, 0)?,
                    public_key: get(&r, 1)?,
                    wrapped_master: get(&r, 2)?,
                })
            })
            .transpose()
    }

    fn active_master_wraps(&self) -> Result<(Vec<MasterWrapRow>, Vec<String>)> {
        let rows = self.conn.query(
            "SELECT u.id, u.name, w.public_key, w.wrapped_master
             FROM users u LEFT JOIN master_wraps w ON w.user_id = u.id
             WHERE NOT u.disabled ORDER BY u.id",
            &[],
        )?;
        let (mut wraps, mut missing) = (Vec::new(), Vec::new());
        for r in &rows {
            let public: Option<Vec<u8>> = get(r, 2)?;
            match public {
                Some(public_key) => wraps.push(MasterWrapRow {
                    user_id: get(r, 0)?,
                    public_key,
                    wrapped_master: get(r, 3)?,
                }),
                None => missing.push(get(r, 1)?),
            }
        }
        Ok((wraps, missing))
    }

    fn recovery_key(&self) -> Result<Option<RecoveryRow>> {
        self.conn
            .query_opt(
                "SELECT id, public_key, wrapped_master, created_at FROM recovery_keys WHERE id = 1",
                &[],
            )?
            .map(|r| {
                Ok(RecoveryRow {
                    id: get(&r, 0)?,
                    public_key: get(&r, 1)?,
                    wrapped_master: get(&r, 2)?,
                    created_at: get(&r, 3)?,
                })
            })
            .transpose()
    }

    fn pseudonym_chain(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        let rows = self.conn.query(
            "SELECT version, sealed_key FROM pseudonym_keys ORDER BY version",
            &[],
        )?;
        rows.iter()
            .map(|r| Ok((version(get(r, 0)?)?, get(r, 1)?)))
            .collect()
    }
}

impl StaffWrites for Session<'_> {
    fn insert_user(&self, u: &UserRow) -> Result<()> {
        self.change(
            "INSERT INTO users(id, name, role, disabled, created_at, mac)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&u.id, &u.name, &u.role, &u.disabled, &u.created_at, &u.mac],
        )?;
        Ok(())
    }

    fn set_user_unit(&self, user: i64, unit: i64) -> Result<()> {
        self.change(
            "INSERT INTO user_units(user_id, unit) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET unit = EXCLUDED.unit",
            &[&user, &unit],
        )?;
        Ok(())
    }

    fn set_unit_role(&self, role: &str, unit: i64) -> Result<()> {
        self.change(
            "INSERT INTO unit_roles(role_name, unit) VALUES ($1, $2)
             ON CONFLICT (role_name) DO UPDATE SET unit = EXCLUDED.unit",
            &[&role, &unit],
        )?;
        self.make_unit(unit)?;
        // What the role may read and write: the application's grants, but of the units' tables
        // only its own unit's (and no other unit's, should it have been another's before).
        let others: Vec<String> = self
            .conn
            .query(
                "SELECT nspname::text FROM pg_namespace WHERE nspname ~ $1 AND nspname <> $2
                  ORDER BY 1",
                &[&unit_schemas_pattern(), &unit_schema(unit)],
            )?
            .iter()
            .map(|r| get::<String>(r, 0))
            .collect::<Result<_>>()?;
        self.change_batch(&unit_grants(role, unit, &others))
    }

    fn make_unit(&self, unit: i64) -> Result<()> {
        self.change("SELECT make_unit_tables($1)", &[&unit])?;
        Ok(())
    }

    fn update_user(&self, u: &UserRow) -> Result<()> {
        self.change(
            "UPDATE users SET role = $2, disabled = $3, mac = $4 WHERE id = $1",
            &[&u.id, &u.role, &u.disabled, &u.mac],
        )?;
        Ok(())
    }

    fn put_master_wrap(&self, w: &MasterWrapRow) -> Result<()> {
        self.change(
            "INSERT INTO master_wraps(user_id, public_key, wrapped_master) VALUES ($1, $2, $3)
             ON CONFLICT(user_id) DO UPDATE SET public_key = excluded.public_key,
               wrapped_master = excluded.wrapped_master",
            &[&w.user_id, &w.public_key, &w.wrapped_master],
        )?;
        Ok(())
    }

    fn delete_master_wrap(&self, user: i64) -> Result<()> {
        self.change("DELETE FROM master_wraps WHERE user_id = $1", &[&user])?;
        Ok(())
    }

    fn put_recovery_key(&self, r: &RecoveryRow) -> Result<()> {
        self.change(
            "INSERT INTO recovery_keys(id, public_key, wrapped_master, created_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT(id) DO UPDATE SET public_key = excluded.public_key,
               wrapped_master = excluded.wrapped_master, created_at = excluded.created_at",
            &[&r.id, &r.public_key, &r.wrapped_master, &r.created_at],
        )?;
        Ok(())
    }

    fn replace_pseudonym_chain(&self, chain: &[(u32, Vec<u8>)]) -> Result<()> {
        self.change("DELETE FROM pseudonym_keys", &[])?;
        for (v, k) in chain {
            self.change(
                "INSERT INTO pseudonym_keys(version, sealed_key) VALUES ($1, $2)",
                &[&i64::from(*v), k],
            )?;
        }
        Ok(())
    }
}

impl LogReads for Session<'_> {
    fn audit_head(&self) -> Result<Option<(i64, Vec<u8>)>> {
        // Beside other writers, the head is this writer's alone from here to its end.
        self.lock_head()?;
        self.conn
            .query_opt(
                "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1",
                &[],
            )?
            .map(|r| pair(&r))
            .transpose()
    }

    fn scan_audit_log(&self, visit: &mut dyn FnMut(AuditRow) -> Visit) -> Result<()> {
        self.pages(
            "SELECT seq, at, user_id, action, objects, detail, mac FROM audit_log
             WHERE seq >= $1 ORDER BY seq LIMIT $2",
            &[],
            &mut |r| Ok(visit(audit_row(r)?)),
        )
    }

    fn audit_entry(&self, seq: i64) -> Result<Option<AuditRow>> {
        self.conn
            .query_opt(
                "SELECT seq, at, user_id, action, objects, detail, mac FROM audit_log
                 WHERE seq = $1",
                &[&seq],
            )?
            .map(|r| audit_row(&r))
            .transpose()
    }
}

impl LogWrites for Session<'_> {
    fn insert_audit(&self, e: &AuditRow) -> Result<()> {
        self.change(
            "INSERT INTO audit_log(seq, at, user_id, action, objects, detail, mac)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &e.seq, &e.at, &e.user_id, &e.action, &e.objects, &e.detail, &e.mac,
            ],
        )?;
        Ok(())
    }

    fn update_audit_mac(&self, seq: i64, mac: &[u8]) -> Result<()> {
        self.change(
            "UPDATE audit_log SET mac = $2 WHERE seq = $1",
            &[&seq, &mac],
        )?;
        Ok(())
    }
}

impl WorkReads for Session<'_> {
    fn projects(&self) -> Result<Vec<ProjectRow>> {
        let rows = self.conn.query(
            "SELECT id, created_by, created_at, details FROM projects ORDER BY id",
            &[],
        )?;
        all(rows, |r| {
            Ok(ProjectRow {
                id: get(r, 0)?,
                created_by: get(r, 1)?,
                created_at: get(r, 2)?,
                details: get(r, 3)?,
            })
        })
    }

    fn activities(&self, from: Option<&str>, to: Option<&str>) -> Result<Vec<ActivityRow>> {
        let (lo, hi) = bounds(from, to);
        let rows = self.conn.query(
            "SELECT id, date, created_by, created_at, details, note FROM activities
             WHERE date BETWEEN $1 AND $2 ORDER BY date, id",
            &[&lo, &hi],
        )?;
        all(rows, |r| {
            Ok(ActivityRow {
                id: get(r, 0)?,
                date: get(r, 1)?,
                created_by: get(r, 2)?,
                created_at: get(r, 3)?,
                details: get(r, 4)?,
                note: get(r, 5)?,
            })
        })
    }
}

impl WorkWrites for Session<'_> {
    fn insert_project(&self, p: &ProjectRow) -> Result<()> {
        self.change(
            "INSERT INTO projects(id, created_by, created_at, details) VALUES ($1, $2, $3, $4)",
            &[&p.id, &p.created_by, &p.created_at, &p.details],
        )?;
        Ok(())
    }

    fn update_project_details(&self, id: i64, details: &[u8]) -> Result<bool> {
        Ok(self.change(
            "UPDATE projects SET details = $2 WHERE id = $1",
            &[&id, &details],
        )? == 1)
    }

    fn insert_activity(&self, a: &ActivityRow) -> Result<()> {
        self.change(
            "INSERT INTO activities(id, date, created_by, created_at, details, note, unit)
             VALUES ($1, $2, $3, $4, $5, $6, unit_of_user($3))",
            &[
                &a.id,
                &a.date,
                &a.created_by,
                &a.created_at,
                &a.details,
                &a.note,
            ],
        )?;
        Ok(())
    }

    fn update_activity_envelopes(&self, id: i64, details: &[u8], note: &[u8]) -> Result<()> {
        self.change(
            "UPDATE activities SET details = $2, note = $3 WHERE id = $1",
            &[&id, &details, &note],
        )?;
        Ok(())
    }
}

/// A new contact's values, in the order an `INSERT` names its columns: id, date, person, field
/// night, author, when, attributes, note.
fn new_contact_values(c: &ContactRow) -> [&(dyn ToSql + Sync); 8] {
    [
        &c.id,
        &c.date,
        &c.person_id,
        &c.field_night_id,
        &c.created_by,
        &c.created_at,
        &c.attributes,
        &c.note,
    ]
}
