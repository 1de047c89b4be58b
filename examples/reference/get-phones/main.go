package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		phones, err := maytapi.GetPhones(ctx)
		if err != nil {
			return err
		}
		numbers := make([]string, 0, len(phones.Phones))
		for _, phone := range phones.Phones {
			numbers = append(numbers, phone.Number)
		}
		ctx.Export("numbers", pulumi.ToStringArray(numbers))
		return nil
	})
}
