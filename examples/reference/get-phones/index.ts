import * as maytapi from "pulumi-maytapi";

const phones = maytapi.getPhonesOutput();

export const numbers = phones.phones.apply(list => list.map(phone => phone.number));
