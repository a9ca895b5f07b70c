// Package worker runs bountypay's job: Runner.RunOnce does one full pass
// (decide, approve, screen, send, reconcile) in bounded batches, and
// Scheduler repeats it on a robfig/cron schedule.
package worker
