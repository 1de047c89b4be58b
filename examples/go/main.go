package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		support, err := maytapi.NewPhoneConfig(ctx, "support-line", &maytapi.PhoneConfigArgs{
			PhoneId:     pulumi.String("12"),
			Webhook:     pulumi.String("https://hooks.example.com/maytapi"),
			AckDelivery: pulumi.Bool(true),
		})
		if err != nil {
			return err
		}
		redeploy, err := maytapi.NewRedeploy(ctx, "support-line-redeploy", &maytapi.RedeployArgs{
			PhoneId:  support.PhoneId,
			Revision: pulumi.String("2026-11-25"),
		})
		if err != nil {
			return err
		}
		ctx.Export("webhook", support.Webhook)
		ctx.Export("firedAt", redeploy.FiredAt)
		return nil
	})
}
