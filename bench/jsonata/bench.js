// The JSONata side of `cargo bench -p okno-connectors --bench connector`: parse the 30-field
// order (JSON) and map it to okno's canonical order draft, the same mapping as
// crates/okno-connectors/benches/data/order-json.yaml, on one thread for about two seconds.
// JSONata does no validation; okno's figure includes validating every canonical field.
//
// Run: npm ci && node bench.js ../../crates/okno-connectors/benches/data/order.json
// Prints one JSON line: {"orders_per_second": …, "jsonata": "…", "node": "…"}.
'use strict';
const fs = require('fs');
const jsonata = require('jsonata');

const MAPPING = `{
  "client_order_number": order.id,
  "priority": order.paymentType = "PREPAID" ? "normal" : "high",
  "comment": order.comment,
  "recipient": {
    "surname": order.customer.lastName,
    "given_name": order.customer.firstName,
    "middle_name": order.customer.middleName,
    "phone": order.customer.phone,
    "email": order.customer.email,
    "address": {
      "postcode": order.address.postcode,
      "region": order.address.region,
      "place": order.address.city,
      "street": order.address.street,
      "house": order.address.house,
      "room": order.address.apartment
    }
  },
  "parcels": [{
    "reference": order.id,
    "mass_grams": $sum(order.items.(weight * count)),
    "mail_type": "ONLINE_PARCEL",
    "mail_category": order.paymentType = "PREPAID" ? "ORDINARY" : "WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY",
    "items": [order.items.{
      "sku": offerId,
      "name": name,
      "quantity": count,
      "price_kopecks": price * 100,
      "vat_rate": $lowercase($replace(vat, "_", "")),
      "weight_grams": weight
    }]
  }]
}`;

async function main() {
  const body = fs.readFileSync(process.argv[2], 'utf8');
  const expression = jsonata(MAPPING);
  const once = async () => expression.evaluate(JSON.parse(body));
  const sample = await once();
  if (sample.parcels[0].items[1].price_kopecks !== 49525 || sample.parcels[0].mass_grams !== 2200) {
    throw new Error('unexpected mapping result: ' + JSON.stringify(sample));
  }
  for (let i = 0; i < 2000; i++) await once();
  const started = process.hrtime.bigint();
  let orders = 0;
  while (process.hrtime.bigint() - started < 2_000_000_000n) {
    for (let i = 0; i < 100; i++) await once();
    orders += 100;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const version = require('jsonata/package.json').version;
  console.log(JSON.stringify({ orders_per_second: Math.round(orders / seconds), jsonata: version, node: process.version }));
}

main().catch((error) => { console.error(error); process.exit(1); });
