//! Uploads to the signed storage URLs Clio hands out: not Clio API calls, so no bearer token
//! and none of Clio's request budget.

use crate::clio::exchange::describe;
use crate::clio::{ClioClient, ClioError};

impl ClioClient {
    /// PUTs bytes to a presigned storage URL. It is not a Clio API call: no bearer token is
    /// sent (the storage host must never see it) and Clio's request budget is not spent.
    pub async fn put_presigned(
        &self,
        url: &str,
        headers: &[(String, String)],
        bytes: Vec<u8>,
    ) -> Result<(), ClioError> {
        let endpoint = "PUT (presigned upload)";
        let mut failures = 0;
        loop {
            self.inner().metrics.request(endpoint);
            let mut builder = self.inner().http.put(url).body(bytes.clone());
            for (name, value) in headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let result = builder.send().await;
            let retryable = match result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    if response.status().is_success() {
                        return Ok(());
                    }
                    let body = response.bytes().await.unwrap_or_default();
                    if status < 500 {
                        return Err(ClioError::Api {
                            status,
                            kind: "UploadRejected".to_string(),
                            message: String::from_utf8_lossy(&body).chars().take(300).collect(),
                        });
                    }
                    format!("status {status}")
                }
                Err(e) => describe(&e),
            };
            failures += 1;
            if failures >= self.inner().retry.max_attempts {
                return Err(ClioError::Network {
                    message: format!("upload: {retryable}"),
                    attempts: failures,
                });
            }
            self.back_off(failures, endpoint, &retryable).await;
        }
    }
}
