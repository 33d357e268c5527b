// @generated-style: kept in step with `migrations/` (diesel print-schema layout).

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Text,
    }
}
