//! Turns a panic anywhere in a provider or resource call (ours or the framework's decoding) into
//! an error diagnostic. Without this, a panic kills the gRPC call and Terraform reports the
//! plugin as crashed.

use crate::diagnostics;
use async_trait::async_trait;
use futures::FutureExt;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use tf_provider::schema::Schema;
use tf_provider::{AttributePath, Diagnostics, DynamicResource, Provider, Resource};

pub struct Guarded<T>(pub T);

fn recover<T>(
    diags: &mut Diagnostics,
    call: &str,
    outcome: std::thread::Result<Option<T>>,
) -> Option<T> {
    outcome.unwrap_or_else(|_| {
        diagnostics::error(
            diags,
            "Internal error in the cer provider",
            format!(
                "The provider failed unexpectedly during {call}; this is a bug. If it happened during apply, CER may have applied the change: compare the cluster in CER's console with the Terraform state before applying again. Run with TF_LOG=DEBUG to see the provider's log, and report the issue."
            ),
        );
        None
    })
}

macro_rules! guarded {
    ($diags:ident, $call:literal, $future:expr) => {{
        let outcome = AssertUnwindSafe($future).catch_unwind().await;
        recover($diags, $call, outcome)
    }};
}

#[async_trait]
impl<P: Provider> Provider for Guarded<P> {
    type Config<'a> = P::Config<'a>;
    type MetaState<'a> = P::MetaState<'a>;

    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        self.0.schema(diags)
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        guarded!(diags, "provider validation", self.0.validate(diags, config))
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        guarded!(
            diags,
            "provider configuration",
            self.0.configure(diags, terraform_version, config)
        )
    }

    fn meta_schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        self.0.meta_schema(diags)
    }

    fn get_resources(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        self.0.get_resources(diags)
    }
}

#[async_trait]
impl<R: Resource> Resource for Guarded<R> {
    type State<'a> = R::State<'a>;
    type PrivateState<'a> = R::PrivateState<'a>;
    type ProviderMetaState<'a> = R::ProviderMetaState<'a>;

    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        self.0.schema(diags)
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        guarded!(diags, "validation", self.0.validate(diags, config))
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        guarded!(diags, "read", self.0.read(diags, state, private, meta))
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        guarded!(
            diags,
            "plan",
            self.0.plan_create(diags, proposed, config, meta)
        )
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        prior_private: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        guarded!(
            diags,
            "plan",
            self.0
                .plan_update(diags, prior, proposed, config, prior_private, meta)
        )
    }

    async fn plan_destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        prior_private: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        guarded!(
            diags,
            "plan",
            self.0.plan_destroy(diags, prior, prior_private, meta)
        )
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        config: Self::State<'a>,
        planned_private: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        guarded!(
            diags,
            "create",
            self.0.create(diags, planned, config, planned_private, meta)
        )
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        config: Self::State<'a>,
        planned_private: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        guarded!(
            diags,
            "update",
            self.0
                .update(diags, prior, planned, config, planned_private, meta)
        )
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned_private: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        guarded!(
            diags,
            "delete",
            self.0.destroy(diags, prior, planned_private, meta)
        )
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        guarded!(diags, "import", self.0.import(diags, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tf_provider::value::ValueEmpty;

    /// A resource with a bug in every call.
    struct Buggy;

    #[async_trait]
    impl Resource for Buggy {
        type State<'a> = ValueEmpty;
        type PrivateState<'a> = ValueEmpty;
        type ProviderMetaState<'a> = ValueEmpty;

        fn schema(&self, _: &mut Diagnostics) -> Option<Schema> {
            None
        }
        async fn read<'a>(
            &self,
            _: &mut Diagnostics,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
        ) -> Option<(ValueEmpty, ValueEmpty)> {
            panic!("bug in read")
        }
        async fn plan_create<'a>(
            &self,
            _: &mut Diagnostics,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
        ) -> Option<(ValueEmpty, ValueEmpty)> {
            panic!("bug in plan")
        }
        async fn plan_update<'a>(
            &self,
            _: &mut Diagnostics,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
        ) -> Option<(ValueEmpty, ValueEmpty, Vec<AttributePath>)> {
            panic!("bug in plan")
        }
        async fn plan_destroy<'a>(
            &self,
            _: &mut Diagnostics,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
        ) -> Option<ValueEmpty> {
            panic!("bug in plan")
        }
        async fn create<'a>(
            &self,
            diags: &mut Diagnostics,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
        ) -> Option<(ValueEmpty, ValueEmpty)> {
            diagnostics::warning(diags, "recorded before the bug", "");
            panic!("bug in create")
        }
        async fn update<'a>(
            &self,
            _: &mut Diagnostics,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
        ) -> Option<(ValueEmpty, ValueEmpty)> {
            panic!("bug in update")
        }
        async fn destroy<'a>(
            &self,
            _: &mut Diagnostics,
            _: ValueEmpty,
            _: ValueEmpty,
            _: ValueEmpty,
        ) -> Option<()> {
            panic!("bug in destroy")
        }
    }

    #[tokio::test]
    async fn panics_in_resource_calls_become_error_diagnostics() {
        let resource = Guarded(Buggy);
        let e = ValueEmpty::default;

        let mut diags = Diagnostics::default();
        let created = Resource::create(&resource, &mut diags, e(), e(), e(), e()).await;
        assert!(created.is_none());
        assert_eq!(diags.warnings[0].summary, "recorded before the bug");
        assert_eq!(diags.errors.len(), 1);
        assert_eq!(
            diags.errors[0].summary,
            "Internal error in the cer provider"
        );
        assert!(diags.errors[0].detail.contains("during create"));
        assert!(
            diags.errors[0]
                .detail
                .contains("CER may have applied the change")
        );

        let mut diags = Diagnostics::default();
        assert!(
            Resource::destroy(&resource, &mut diags, e(), e(), e())
                .await
                .is_none()
        );
        assert!(diags.errors[0].detail.contains("during delete"));

        let mut diags = Diagnostics::default();
        assert!(
            Resource::read(&resource, &mut diags, e(), e(), e())
                .await
                .is_none()
        );
        assert!(diags.errors[0].detail.contains("during read"));
    }
}
