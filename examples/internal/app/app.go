// Package app holds what the example programs share: reading configuration
// from the environment and building the logger they hand to fx.
package app

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/caarlos0/env/v11"
	"github.com/mattn/go-isatty"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// LoadEnv fills cfg from environment variables, as named by its `env`
// struct tags (nested structs included); unset variables leave fields as
// they are, so each package's defaults apply.
func LoadEnv(cfg any) error {
	if err := env.Parse(cfg); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	return nil
}

// Logging configures the process logger.
type Logging struct {
	// Level is the minimum level logged: debug, info, warn or error.
	Level zapcore.Level `env:"LOG_LEVEL" envDefault:"info"`
	// Format is json, console, or auto (the default): console on a
	// terminal, json otherwise.
	Format string `env:"LOG_FORMAT" envDefault:"auto"`
}

// NewLogger builds the process logger, writing to stderr.
func NewLogger(cfg Logging) (*zap.Logger, error) { return NewLoggerTo(os.Stderr, cfg) }

// NewLoggerTo builds a logger writing to w, in the console format when the
// format is auto and w is a terminal. Its lines carry no stack trace: a
// line says what went wrong and its error where; the place in the code
// where it was logged helps nobody reading the log.
func NewLoggerTo(w io.Writer, cfg Logging) (*zap.Logger, error) {
	var console bool
	switch cfg.Format {
	case "json":
	case "console":
		console = true
	case "auto", "":
		f, ok := w.(*os.File)
		console = ok && isatty.IsTerminal(f.Fd())
	default:
		return nil, fmt.Errorf("LOG_FORMAT %q: want json, console or auto", cfg.Format)
	}
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	if console {
		enc = zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	}
	core := zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), cfg.Level)
	return zap.New(core, zap.AddCaller(), zap.ErrorOutput(zapcore.Lock(os.Stderr))), nil
}

// WithLogger makes fx log its own events through log, at debug level: its
// wiring (what it provided, invoked, started), and its errors too, which
// it logs several times each and with its own stack; Serve reports them,
// once.
func WithLogger() fx.Option {
	return fx.WithLogger(func(log *zap.Logger) fxevent.Logger {
		l := &fxevent.ZapLogger{Logger: log.Named("fx")}
		l.UseLogLevel(zapcore.DebugLevel)
		l.UseErrorLevel(zapcore.DebugLevel)
		return l
	})
}

// Serve runs application as fx.App.Run does — start, run until SIGINT or
// SIGTERM (or a shutdown), stop — and exits: 1 when it could not start or
// stop, reporting why in one line of log without a stack trace, else the
// shutdown's exit code (0 after a signal).
func Serve(application *fx.App, log *zap.Logger) {
	os.Exit(serve(application, log))
}

func serve(application *fx.App, log *zap.Logger) int {
	start, cancel := context.WithTimeout(context.Background(), application.StartTimeout())
	defer cancel()
	if err := application.Start(start); err != nil {
		log.Error("start failed", zap.Error(err))
		return 1
	}
	done := <-application.Wait()
	if done.Signal != nil {
		log.Info("stopping", zap.Stringer("signal", done.Signal))
	} else {
		log.Info("stopping", zap.Int("exit_code", done.ExitCode))
	}
	stop, cancel := context.WithTimeout(context.Background(), application.StopTimeout())
	defer cancel()
	if err := application.Stop(stop); err != nil {
		log.Error("stop failed", zap.Error(err))
		return 1
	}
	log.Info("stopped")
	return done.ExitCode
}

// Fatal reports a start-up error and exits.
func Fatal(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
