//! Shared by the `import_*` targets: any bytes given to one importer never panic or hang;
//! when the import succeeds its counts add up, and every sample it produced is written as a
//! line that `perf_record::parse_line` reads back to the same record, and `SampleWriter`
//! writes the same bytes as `write_sample`.

use perf_import::{
    Format, ImportConfig, Item, SampleWriter, import_reader, write_sample, write_summary,
};
use perf_record::{Line, Timestamp, parse_line};

pub fn check(format: Format, data: &[u8]) {
    let mut config = ImportConfig::new(Timestamp::UNIX_EPOCH);
    config.max_line_bytes = 4096;
    config.max_document_bytes = 1 << 16;
    let (mut samples, mut summaries, mut rejections) = (0u64, 0u64, 0u64);
    let mut writer = SampleWriter::default();
    let result = import_reader(format, "fuzz", data, &config, |item| {
        match item {
            Item::Sample(sample) => {
                samples += 1;
                let mut line = Vec::new();
                write_sample(&mut line, &sample).expect("a produced sample is always valid");
                let mut fast = Vec::new();
                writer.write(&mut fast, &sample).expect("the fast writer accepts it too");
                assert_eq!(fast, line, "SampleWriter and write_sample differ");
                match parse_line(line.trim_ascii_end()) {
                    Ok(Line::Record(record)) => assert_eq!(record, sample.record),
                    other => panic!("written sample does not read back: {other:?}"),
                }
            }
            Item::Summary(summary) => {
                summaries += 1;
                write_summary(&mut Vec::new(), &summary).expect("summaries always serialize");
            }
            Item::Rejected(rejection) => {
                rejections += 1;
                assert!(!rejection.reason.is_empty());
            }
        }
        Ok(())
    });
    if let Ok(report) = result {
        assert!(report.is_balanced(), "{report:?}");
        assert_eq!(
            (report.records, report.summaries, report.rejected),
            (samples, summaries, rejections)
        );
    }
}
