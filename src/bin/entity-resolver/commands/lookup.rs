//! `lookup`: the entities a bare name may refer to, best first.

use std::process::ExitCode;

use entity_resolver::Error;
use entity_resolver_core::lookup;

use crate::args::LookupArgs;

pub fn run(args: LookupArgs) -> Result<ExitCode, Error> {
    let index = super::load_index(args.aliases.as_deref())?;
    for candidate in lookup::lookup(&index, &args.name, args.limit, &[])? {
        let entity = index.entity_at(candidate.entity);
        println!(
            "{:.3}  {:<32} {:<12} {:<12} {}",
            candidate.score,
            entity.id,
            entity.entity_type.as_str(),
            candidate.kind.as_str(),
            candidate.explanation
        );
    }
    Ok(ExitCode::SUCCESS)
}
