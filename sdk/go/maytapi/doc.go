// Infrastructure as code for the Maytapi WhatsApp API: phone configuration and operational actions.
package maytapi
