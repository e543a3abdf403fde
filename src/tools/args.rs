//! Tool arguments: the one extractor every tool reads its arguments with. A bad argument is a
//! tool error that names it (`values[2].matter_id`), shows what was given (cut, cleaned), says
//! what is accepted with an example; never a Rust type name, never much of the input.

pub(crate) mod cursor;
mod describe;
pub(crate) mod text;
mod words;

use std::sync::Arc;

use futures::future::BoxFuture;
use rmcp::ErrorData;
use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::{ToolCallContext, ToolRoute};
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock, JsonObject};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::tools::contract::schema::compact_schema;

/// The key of an argument error's `data`: how the router tells it from other invalid params.
const MARK: &str = "invalid_argument";

/// A tool's arguments, parsed; use it in place of rmcp's `Parameters` (the input schema is
/// then given with `input_schema = args::schema::<T>()`).
pub struct Args<T>(pub T);

/// A refused argument: which one, and the whole message for the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct ArgError {
    pub argument: String,
    pub message: String,
}

impl ArgError {
    pub(crate) fn new(argument: impl Into<String>, message: impl Into<String>) -> ArgError {
        ArgError {
            argument: argument.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ArgError> for ErrorData {
    /// Marked invalid params; the router answers them as tool errors (see [`answer_as_tool_errors`]).
    fn from(e: ArgError) -> ErrorData {
        ErrorData::invalid_params(e.message, Some(json!({ MARK: e.argument })))
    }
}

impl<S, T> FromContextPart<ToolCallContext<'_, S>> for Args<T>
where
    T: DeserializeOwned + JsonSchema + 'static,
{
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, ErrorData> {
        let arguments = context.arguments.take().unwrap_or_default();
        Ok(Args(parse::<T>(arguments)?))
    }
}

/// The input schema of `T` as rmcp derives it (the router compacts it for `tools/list`).
pub fn schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    rmcp::handler::server::common::schema_for_input::<T>().unwrap_or_default()
}

/// Parses a tool's arguments into `T`, or says plainly which argument is wrong and why.
pub fn parse<T: DeserializeOwned + JsonSchema + 'static>(
    arguments: JsonObject,
) -> Result<T, ArgError> {
    let schema = Value::Object(compact_schema(&schema::<T>(), false));
    let value = Value::Object(arguments);
    if let Some(e) = describe::unknown_arguments(&schema, &value) {
        return Err(e);
    }
    serde_path_to_error::deserialize::<_, T>(&value)
        .map_err(|e| describe::error(&schema, &value, &e))
}

/// A whole-number argument refused outside `min..=max`, `default` when left out (or null).
pub fn in_range(
    name: &str,
    given: Option<u64>,
    min: u64,
    max: u64,
    default: u64,
) -> Result<u64, ArgError> {
    match given {
        None => Ok(default),
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(n) => Err(ArgError::new(
            name,
            format!(
                "{name}: {n} is out of range; accepted: a whole number from {min} to {max} \
                 (default {default}). Example: \"{name}\": {default}"
            ),
        )),
    }
}

/// `limit`, 1 to `max`, `default` when left out.
pub fn limit(given: Option<u32>, default: usize, max: usize) -> Result<usize, ArgError> {
    in_range("limit", given.map(u64::from), 1, max as u64, default as u64).map(|n| n as usize)
}

/// Free text refused beyond `max` characters.
pub fn text_at_most(name: &str, given: Option<&str>, max: usize) -> Result<(), ArgError> {
    match given.map(|t| t.chars().count()) {
        Some(n) if n > max => Err(ArgError::new(
            name,
            format!(
                "{name}: {n} characters is too long; accepted: text of at most {max} characters. \
                 Example: \"{name}\": \"Smith\""
            ),
        )),
        _ => Ok(()),
    }
}

/// Longest id accepted: the server's ids (`plan-0123456789ab`) are far shorter.
const MAX_ID_CHARS: usize = 64;

/// A plan or job id as given, trimmed; refused when it cannot be one this server hands out
/// (too long, or characters other than letters, digits, `-` and `_`).
pub fn id<'a>(name: &str, given: &'a str, like: &str) -> Result<&'a str, ArgError> {
    let id = given.trim();
    let fits = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !id.is_empty() && id.chars().count() <= MAX_ID_CHARS && id.chars().all(fits) {
        return Ok(id);
    }
    Err(ArgError::new(
        name,
        format!(
            "{name}: {} is not an id this server hands out; accepted: an id like {like}. \
             Example: \"{name}\": \"{like}\"",
            text::given_text(given)
        ),
    ))
}

/// Makes every route of `router` answer an argument error as a tool error (`isError: true`,
/// the message as text), as rmcp does for its own deserialization errors: the assistant sees
/// the message and can correct the call.
pub fn answer_as_tool_errors<S: Send + Sync + 'static>(route: &mut ToolRoute<S>) {
    let inner = route.call.clone();
    route.call = Arc::new(handler(move |context| {
        let inner = inner.clone();
        Box::pin(async move {
            match inner(context).await {
                Err(e) if is_argument_error(&e) => {
                    Ok(CallToolResponse::from(CallToolResult::error(vec![
                        ContentBlock::text(e.message.to_string()),
                    ])))
                }
                other => other,
            }
        })
    }));
}

/// Pins the closure's signature to the higher-ranked one rmcp's routes have.
fn handler<S, F>(f: F) -> F
where
    F: for<'s> Fn(ToolCallContext<'s, S>) -> BoxFuture<'s, Result<CallToolResponse, ErrorData>>,
{
    f
}

fn is_argument_error(e: &ErrorData) -> bool {
    e.code == rmcp::model::ErrorCode::INVALID_PARAMS
        && e.data.as_ref().is_some_and(|d| d.get(MARK).is_some())
}

#[cfg(test)]
mod tests;
