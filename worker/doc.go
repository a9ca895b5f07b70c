// Package worker runs bountypay's job: Runner.RunOnce does one full pass
// (decide, approve, screen, send, reconcile), each step in batches of at
// most Config.BatchSize with a timeout per batch, and Scheduler repeats it
// on a robfig/cron schedule (SchedulerConfig). The send and the dry run
// share one plan (SendStep): the dry run reports what the send would do.
package worker
