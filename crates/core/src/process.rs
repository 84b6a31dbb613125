//! What the process knows of itself from the operating system.

/// A memory figure of this process in KiB, as /proc/self/status reports it
/// under `field` (`VmRSS` resident now, `VmHWM` the peak); None where /proc
/// does not tell (not Linux) or the field is absent.
pub fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| {
        line.strip_prefix(field)
            .is_some_and(|rest| rest.starts_with(':'))
    })?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn resident_memory_is_known_on_linux_and_absent_fields_are_none() {
        let resident = memory_kib("VmRSS").expect("VmRSS on Linux");
        let peak = memory_kib("VmHWM").expect("VmHWM on Linux");
        assert!(resident > 0 && peak >= resident, "{resident} {peak}");
        assert_eq!(memory_kib("VmNothing"), None);
        assert_eq!(memory_kib("Vm"), None);
    }
}
