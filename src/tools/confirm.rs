//! Asking the person, not the model, to approve a plan: a yes/no form in the client, where
//! the client supports form elicitation. Fails closed: no form, no answer, a decline, an
//! error or a timeout all mean no.

use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationSchema};
use rmcp::service::{ElicitationMode, RequestContext};

/// How long the person has to answer, inside an assistant's ~60 s tool-call timeout.
const ANSWER_WITHIN: Duration = Duration::from_secs(50);

/// True only when the client showed the person a form and they accepted with approve = true.
pub(crate) async fn person_approves(ctx: &RequestContext<RoleServer>, message: String) -> bool {
    if !ctx
        .peer
        .supported_elicitation_modes()
        .contains(&ElicitationMode::Form)
    {
        return false;
    }
    let Ok(schema) = ElicitationSchema::builder()
        .required_bool_with("approve", |b| {
            b.description("Write these changes to Clio (true), or not (false)")
        })
        .build()
    else {
        return false;
    };
    let request = ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema,
    };
    let answer = tokio::select! {
        r = ctx.peer.create_elicitation_with_timeout(request, Some(ANSWER_WITHIN)) => r,
        () = ctx.ct.cancelled() => return false,
    };
    matches!(
        answer,
        Ok(ElicitResult { action: ElicitationAction::Accept, content: Some(ref c), .. })
            if c.get("approve").and_then(serde_json::Value::as_bool) == Some(true)
    )
}
