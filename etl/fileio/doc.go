// Package fileio reads and writes pipeline rows as CSV and JSON Lines
// files: sources that stream a file, and sinks that write one atomically
// (to a temporary file renamed into place when the run succeeds), so a
// failed run never leaves half a file. Rejected rows are commonly written
// with a sink on a step's etl.Reject port.
package fileio
