//! Typed calls on Clio's webhook subscriptions: create, list, read, renew (`expires_at`), delete.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clio::types::Data;
use crate::clio::{ApiRequest, ClioClient, ClioError, Method};

/// What every webhook read asks for.
pub const WEBHOOK_FIELDS: &str = "id,etag,url,model,events,fields,status,expires_at,created_at";

/// One subscription as Clio answers it; fields Clio adds later are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: u64,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub events: Option<Vec<String>>,
    #[serde(default)]
    pub fields: Option<String>,
    /// `pending` until the handshake succeeds, then `enabled` (the sandbox adds `expired`).
    #[serde(default)]
    pub status: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    /// Only in the answer to a create that asked for it; never printed.
    #[serde(default, skip_serializing)]
    pub shared_secret: Option<String>,
}

/// A subscription to create.
#[derive(Debug, Clone, Default)]
pub struct NewWebhook {
    /// `https://...` (Clio refuses anything else).
    pub url: String,
    pub model: String,
    pub events: Vec<String>,
    /// Clio's field selection sent with each delivery (at most 1,000 characters).
    pub fields: Option<String>,
    /// RFC 3339; Clio's default is 3 days, its maximum 31.
    pub expires_at: Option<String>,
}

impl ClioClient {
    /// Creates a subscription; the answer carries its `shared_secret`. Sent at most once: a
    /// lost answer comes back as an unknown outcome, resolved by listing the subscriptions.
    pub async fn create_webhook(&self, new: &NewWebhook) -> Result<Webhook, ClioError> {
        let mut data = json!({"url": new.url, "model": new.model});
        if !new.events.is_empty() {
            data["events"] = json!(new.events);
        }
        if let Some(fields) = &new.fields {
            data["fields"] = json!(fields);
        }
        if let Some(at) = &new.expires_at {
            data["expires_at"] = json!(at);
        }
        let req = ApiRequest::new(Method::POST, "webhooks.json")
            .query("fields", format!("{WEBHOOK_FIELDS},shared_secret"))
            .json(json!({"data": data}))
            .at_most_once();
        Ok(self.call::<Data<Webhook>>(req).await?.data)
    }

    /// Every subscription of the account.
    pub async fn list_webhooks(&self) -> Result<Vec<Webhook>, ClioError> {
        let req = ApiRequest::get("webhooks.json").query("fields", WEBHOOK_FIELDS);
        self.all::<Webhook>(req).await
    }

    pub async fn get_webhook(&self, id: u64) -> Result<Webhook, ClioError> {
        let req = ApiRequest::get(format!("webhooks/{id}.json")).query("fields", WEBHOOK_FIELDS);
        Ok(self.call::<Data<Webhook>>(req).await?.data)
    }

    /// Renews a subscription: PATCHes `expires_at` (and `events` when given). A lost answer
    /// comes back unknown; renewing again is harmless.
    pub async fn update_webhook(
        &self,
        id: u64,
        expires_at: &str,
        events: Option<&[String]>,
    ) -> Result<Webhook, ClioError> {
        let mut data = json!({"expires_at": expires_at});
        if let Some(events) = events {
            data["events"] = Value::from(events.to_vec());
        }
        let req = ApiRequest::new(Method::PATCH, format!("webhooks/{id}.json"))
            .query("fields", WEBHOOK_FIELDS)
            .json(json!({"data": data}));
        Ok(self.call::<Data<Webhook>>(req).await?.data)
    }

    pub async fn delete_webhook(&self, id: u64) -> Result<(), ClioError> {
        let req = ApiRequest::new(Method::DELETE, format!("webhooks/{id}.json"));
        self.send(req).await.map(drop)
    }
}
