package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// Change the revision (a date, a counter) to redeploy the phone once more.
		redeploy, err := maytapi.NewRedeploy(ctx, "support-line-redeploy", &maytapi.RedeployArgs{
			PhoneId:        pulumi.String("12"),
			Revision:       pulumi.String("2026-11-25"),
			WaitUntilReady: pulumi.Bool(true),
		})
		if err != nil {
			return err
		}
		ctx.Export("redeployedAt", redeploy.FiredAt)
		return nil
	})
}
