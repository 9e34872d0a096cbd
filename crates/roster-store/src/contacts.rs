//! External mail contacts.

use roster_core::access::Operation;
use roster_core::directory::Contact;
use roster_core::types::ObjectId;

use crate::authority::authorize;
use crate::db::{Row, Tx};
use crate::{Change, Error, ListQuery, Page, Result, Store, audit, params};

const CONTACT_COLUMNS: &str = "id, display_name, mail, properties, created_at";

fn contact_from_row(row: &Row) -> Result<Contact> {
    Ok(Contact {
        id: row.uuid(0)?.into(),
        display_name: row.text(1)?,
        mail: row.opt_text(2)?,
        properties: row.json(3)?,
        created: row.timestamp(4)?,
    })
}

fn audit_json(contact: &Contact) -> serde_json::Value {
    let mut object = contact.properties.clone();
    object.insert("displayName".into(), contact.display_name.clone().into());
    object.insert("mail".into(), contact.mail.clone().into());
    object.into()
}

fn conflict(error: Error) -> Error {
    match error {
        Error::UniqueViolation {
            constraint: Some(name),
        } if name == "contacts_mail_unique" => Error::Conflict { property: "mail" },
        other => other,
    }
}

fn require_contact(tx: &mut dyn Tx, tenant_id: ObjectId, id: ObjectId) -> Result<Contact> {
    tx.query_one(
        &format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE tenant_id = $1 AND id = $2"),
        &params![tenant_id, id],
    )?
    .map(|row| contact_from_row(&row))
    .transpose()?
    .ok_or_else(|| Error::NotFound {
        kind: "contact",
        id: id.to_string(),
    })
}

impl Store {
    pub fn create_contact(&self, change: &Change, contact: &Contact) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageContacts], None)?;
            tx.execute(
                &format!("INSERT INTO contacts ({CONTACT_COLUMNS}, tenant_id) VALUES ($1, $2, $3, $4, $5, $6)"),
                &params![
                    contact.id,
                    contact.display_name.clone(),
                    contact.mail.clone(),
                    serde_json::Value::Object(contact.properties.clone()).to_string(),
                    contact.created,
                    change.tenant_id,
                ],
            )
            .map_err(conflict)?;
            audit(tx, change, "Add contact", Some((contact.id, &contact.display_name)), None, Some(audit_json(contact)))
        })
    }

    pub fn get_contact(&self, tenant_id: ObjectId, id: ObjectId) -> Result<Contact> {
        self.pool.read(|tx| require_contact(tx, tenant_id, id))
    }

    pub fn list_contacts(&self, tenant_id: ObjectId, query: &ListQuery) -> Result<Page<Contact>> {
        self.pool.read(|tx| {
            let (rows, next, count) = crate::query::list_rows(
                tx,
                &crate::collections::ContactSchema,
                CONTACT_COLUMNS,
                "tenant_id = $1",
                params![tenant_id].to_vec(),
                query,
            )?;
            Ok(Page {
                items: rows.iter().map(contact_from_row).collect::<Result<_>>()?,
                next,
                count,
            })
        })
    }

    /// Replaces a contact's properties with `contact`'s (the caller applied the change).
    pub fn update_contact(&self, change: &Change, contact: &Contact) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageContacts], None)?;
            let before = require_contact(tx, change.tenant_id, contact.id)?;
            tx.execute(
                "UPDATE contacts SET display_name = $2, mail = $3, properties = $4 WHERE id = $1",
                &params![
                    contact.id,
                    contact.display_name.clone(),
                    contact.mail.clone(),
                    serde_json::Value::Object(contact.properties.clone()).to_string(),
                ],
            )
            .map_err(conflict)?;
            audit(
                tx,
                change,
                "Update contact",
                Some((contact.id, &contact.display_name)),
                Some(audit_json(&before)),
                Some(audit_json(contact)),
            )
        })
    }

    pub fn delete_contact(&self, change: &Change, id: ObjectId) -> Result<()> {
        self.pool.write(|tx| {
            let change = &authorize(tx, change, &[Operation::ManageContacts], None)?;
            let contact = require_contact(tx, change.tenant_id, id)?;
            tx.execute("DELETE FROM contacts WHERE id = $1", &params![id])?;
            audit(
                tx,
                change,
                "Delete contact",
                Some((id, &contact.display_name)),
                Some(audit_json(&contact)),
                None,
            )
        })
    }
}
