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
		ctx.Export("supportWebhook", support.Webhook)
		return nil
	})
}
