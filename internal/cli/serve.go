package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cerebro-aiops/cerebro/internal/app"
	"github.com/cerebro-aiops/cerebro/internal/config"
)

const serveLong = `Run the CEREBRO server. With no config it runs on embedded defaults:
SQLite store in ./cerebro-data, in-process bus, built-in reasoner, listening on
127.0.0.1:8080. --listen and --data-dir override the config file.`

func serveCmd() *cobra.Command {
	var file, listen, dataDir string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the server",
		Long:  serveLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(file, listen, dataDir)
			if err != nil {
				return err
			}
			log := Logger(cmd, nil)
			a, err := app.New(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			return a.Run(cmd.Context())
		},
	}
	c.Flags().StringVarP(&file, "config", "c", "", "YAML config file (optional)")
	c.Flags().StringVar(&listen, "listen", "", "listen address, overrides the config")
	c.Flags().StringVar(&dataDir, "data-dir", "", "data directory, overrides the config")
	return c
}

// loadConfig reads the optional file over the defaults, applies flag overrides and
// CEREBRO_API_TOKEN, and checks the result again: the overrides bypass the file's checks.
func loadConfig(file, listen, dataDir string) (config.Config, error) {
	cfg := config.Default()
	if file != "" {
		var err error
		if cfg, err = config.Load(file); err != nil {
			return cfg, err
		}
	}
	if listen != "" {
		cfg.Listen = listen
	}
	if dataDir != "" {
		cfg.DataDir = dataDir
	}
	if tok := os.Getenv("CEREBRO_API_TOKEN"); tok != "" && cfg.APIToken == "" {
		cfg.APIToken = tok
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("checking config with flags and CEREBRO_API_TOKEN applied:\n%w",
			err)
	}
	return cfg, nil
}
