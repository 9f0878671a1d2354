// lib/report: the metrics log, the HTML report, progress output.
export { MetricsLog, readMetrics } from './metrics-log.js';
export { renderReport, writeReport, loadRun, summarize, CHARTS, type RunData, type ReportOptions, type ArmSummary } from './html.js';
export { ci95, detectCollapse, convergenceStep, meanCurve, type Interval, type Point } from './stats.js';
export { lineChart, type Series } from './svg.js';
export { Progress, type ProgressStream } from './progress.js';
export { STEP_FIELDS, TIMING_FIELDS, type StepRecord, type EvalRecord, type MetricsRecord } from './records.js';
export { openSinks, scalarsOf, TensorBoardSink, SINK_NAMES, type MetricsSink, type SinkName } from './sinks.js';
export { EventFileWriter, encodeEvent, tfRecord, type Scalar } from './tfevents.js';
export { crc32c, maskedCrc32c } from './crc32c.js';
