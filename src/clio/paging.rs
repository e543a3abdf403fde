//! Cursor paging as a stream: follow `meta.paging.next` until Clio gives none, and never to
//! another host.

use futures::{Stream, TryStreamExt, stream};
use serde::de::DeserializeOwned;
use url::Url;

use crate::clio::types::Page;
use crate::clio::{ApiRequest, ClioClient, ClioError};

impl ClioClient {
    /// Turns an absolute URL Clio handed back (a paging link) into a request, refusing any
    /// URL outside the configured API base so the token never travels elsewhere.
    pub fn request_for_link(&self, link: &str) -> Result<ApiRequest, ClioError> {
        let foreign = || ClioError::ForeignUrl {
            url: link.chars().take(200).collect(),
        };
        let url = Url::parse(link).map_err(|_| foreign())?;
        let base = self.base_url();
        if url.origin() != base.origin() || !url.path().starts_with(base.path()) {
            return Err(foreign());
        }
        let mut req = ApiRequest::get(&url.path()[base.path().len()..]);
        req.query = url.query_pairs().into_owned().collect();
        Ok(req)
    }

    /// Every page of a list, in order, starting with `first`.
    pub fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
        first: ApiRequest,
    ) -> impl Stream<Item = Result<Vec<T>, ClioError>> + Send + 'static {
        let client = self.clone();
        stream::try_unfold(Some(first), move |next| {
            let client = client.clone();
            async move {
                let Some(req) = next else {
                    return Ok(None);
                };
                let page: Page<T> = client.call(req).await?;
                let following = match page.next_link() {
                    Some(link) => Some(client.request_for_link(link)?),
                    None => None,
                };
                Ok(Some((page.data, following)))
            }
        })
    }

    /// Every record of a list, in order.
    pub fn items<T: DeserializeOwned + Send + 'static>(
        &self,
        first: ApiRequest,
    ) -> impl Stream<Item = Result<T, ClioError>> + Send + 'static {
        self.pages(first)
            .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
            .try_flatten()
    }

    /// All records of a list, collected.
    pub async fn all<T: DeserializeOwned + Send + 'static>(
        &self,
        first: ApiRequest,
    ) -> Result<Vec<T>, ClioError> {
        self.items(first).try_collect().await
    }

    /// One page and the request for the next, for callers that hand a cursor to someone else.
    pub async fn page<T: DeserializeOwned>(
        &self,
        req: ApiRequest,
    ) -> Result<(Vec<T>, Option<String>), ClioError> {
        let page: Page<T> = self.call(req).await?;
        let next = page.next_link().map(str::to_string);
        Ok((page.data, next))
    }
}
