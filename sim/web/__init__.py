"""Flask glue shared by vendors: VendorSpec, the request pipeline, control helpers, problem+json."""
