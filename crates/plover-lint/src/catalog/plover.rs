pub const RULES: &[super::RuleInfo] = &[];
