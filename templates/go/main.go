// A Maytapi phone's webhook and delivery acks, on the native provider (pulumi-resource-maytapi).
package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		phone, err := maytapi.NewPhoneConfig(ctx, "phone", &maytapi.PhoneConfigArgs{
			PhoneId:     pulumi.String(cfg.Require("phoneId")),
			Webhook:     pulumi.String(cfg.Require("webhook")),
			AckDelivery: pulumi.Bool(true),
		})
		if err != nil {
			return err
		}
		ctx.Export("webhook", phone.Webhook)
		return nil
	})
}
