//! Typed calls on the account: who the token belongs to, and the custom field definitions.

use crate::clio::types::{CustomField, Data, User};
use crate::clio::{ApiRequest, ClioClient, ClioError};

pub const CUSTOM_FIELD_FIELDS: &str = "id,etag,name,parent_type,field_type,displayed,required,\
deleted,display_order,picklist_options{id,option,deleted_at}";

impl ClioClient {
    pub async fn who_am_i(&self) -> Result<User, ClioError> {
        let req = ApiRequest::get("users/who_am_i.json").query("fields", "id,name,email");
        Ok(self.call::<Data<User>>(req).await?.data)
    }

    /// Every custom field definition for `parent_type` (`matter` or `contact`), deleted ones
    /// included so a value pointing at one can still be explained.
    pub async fn custom_fields(&self, parent_type: &str) -> Result<Vec<CustomField>, ClioError> {
        let req = ApiRequest::get("custom_fields.json")
            .query("fields", CUSTOM_FIELD_FIELDS)
            .query("parent_type", parent_type)
            .query("limit", "200");
        self.all(req).await
    }
}
