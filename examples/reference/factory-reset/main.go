package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// Bump the revision to reset the phone; its config, which the reset clears, is sent again after it.
		reset, err := maytapi.NewFactoryReset(ctx, "lobby-reset", &maytapi.FactoryResetArgs{
			PhoneId:      pulumi.String("15"),
			Revision:     pulumi.Int(1),
			FireOnCreate: pulumi.Bool(false),
		})
		if err != nil {
			return err
		}
		_, err = maytapi.NewPhoneConfig(ctx, "lobby", &maytapi.PhoneConfigArgs{
			PhoneId:        pulumi.String("15"),
			Webhook:        pulumi.String("https://hooks.example.com/maytapi/lobby"),
			ReapplyTrigger: reset.FiredAt,
		})
		if err != nil {
			return err
		}
		ctx.Export("lobbyResetRevision", reset.Revision)
		return nil
	})
}
