//! Closed enumerations of the model.
//!
//! Mail type and category use the Russian Post Otpravka names verbatim (`POSTAL_PARCEL`,
//! `WITH_DECLARED_VALUE`, …) because every Russian shop and client library already knows them;
//! everything else is okno's own vocabulary in `snake_case`.

use serde::{Deserialize, Serialize};

macro_rules! wire_enum {
    (
        $(#[$doc:meta])*
        $name:ident, { $( $(#[$vdoc:meta])* $variant:ident = $wire:tt ),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        pub enum $name {
            $( $(#[$vdoc])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The name on the wire and in storage.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $wire ),+ }
            }

            /// Parses the wire name; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $( $wire => Some($name::$variant), )+ _ => None }
            }

            /// The wire names, joined for error messages.
            pub fn expected() -> String {
                let names: &[&str] = &[ $( $wire ),+ ];
                names.join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// Otpravka `mail-type` (reference notes §1.4).
    MailType, {
        /// Посылка «нестандартная».
        PostalParcel = "POSTAL_PARCEL",
        /// Посылка «онлайн».
        OnlineParcel = "ONLINE_PARCEL",
        /// Курьер «онлайн».
        OnlineCourier = "ONLINE_COURIER",
        /// Отправление EMS.
        Ems = "EMS",
        /// EMS Оптимальное.
        EmsOptimal = "EMS_OPTIMAL",
        /// EMS РТ.
        EmsRt = "EMS_RT",
        /// EMS тендер.
        EmsTender = "EMS_TENDER",
        /// Письмо.
        Letter = "LETTER",
        /// Письмо 1-го класса.
        LetterClass1 = "LETTER_CLASS_1",
        /// Бандероль.
        Banderol = "BANDEROL",
        /// Бандероль 1-го класса.
        BanderolClass1 = "BANDEROL_CLASS_1",
        /// Посылка 1-го класса.
        ParcelClass1 = "PARCEL_CLASS_1",
        /// Бизнес курьер.
        BusinessCourier = "BUSINESS_COURIER",
        /// Бизнес курьер экспресс.
        BusinessCourierEs = "BUSINESS_COURIER_ES",
        /// Отправление ВСД.
        Vsd = "VSD",
        /// ЕКОМ.
        Ecom = "ECOM",
        /// Комбинированное.
        Combined = "COMBINED",
        /// Лёгкий возврат.
        EasyReturn = "EASY_RETURN",
        /// Мелкий пакет.
        SmallPacket = "SMALL_PACKET",
        /// ВГПО 1-го класса.
        VgpoClass1 = "VGPO_CLASS_1",
        /// Не определён.
        Undefined = "UNDEFINED",
    }
);

wire_enum!(
    /// Otpravka `mail-category` (reference notes §1.4).
    MailCategory, {
        /// Простое.
        Simple = "SIMPLE",
        /// Заказное.
        Ordered = "ORDERED",
        /// Обыкновенное.
        Ordinary = "ORDINARY",
        /// С объявленной ценностью.
        WithDeclaredValue = "WITH_DECLARED_VALUE",
        /// С объявленной ценностью и наложенным платежом.
        WithDeclaredValueAndCashOnDelivery = "WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY",
        /// С обязательным платежом.
        WithCompulsoryPayment = "WITH_COMPULSORY_PAYMENT",
        /// С объявленной ценностью и обязательным платежом.
        WithDeclaredValueAndCompulsoryPayment = "WITH_DECLARED_VALUE_AND_COMPULSORY_PAYMENT",
        /// Комбинированное (seen in batch responses).
        Combined = "COMBINED",
    }
);

impl MailCategory {
    /// Whether this category carries a declared value, so the parcel must state one.
    pub const fn requires_declared_value(self) -> bool {
        matches!(
            self,
            MailCategory::WithDeclaredValue
                | MailCategory::WithDeclaredValueAndCashOnDelivery
                | MailCategory::WithDeclaredValueAndCompulsoryPayment
        )
    }

    /// Whether this category collects money from the recipient (cash on delivery).
    pub const fn allows_cash_on_delivery(self) -> bool {
        matches!(
            self,
            MailCategory::WithDeclaredValueAndCashOnDelivery
                | MailCategory::WithCompulsoryPayment
                | MailCategory::WithDeclaredValueAndCompulsoryPayment
                | MailCategory::Combined
        )
    }
}

wire_enum!(
    /// VAT rate of an item, as 54-FZ fiscal documents name them.
    VatRate, {
        /// Not subject to VAT.
        None = "none",
        /// 0 %.
        Vat0 = "vat0",
        /// 5 % (simplified-taxation payers).
        Vat5 = "vat5",
        /// 7 % (simplified-taxation payers).
        Vat7 = "vat7",
        /// 10 %.
        Vat10 = "vat10",
        /// 20 % (the general rate until 2025).
        Vat20 = "vat20",
        /// 22 % (the general rate from 2026).
        Vat22 = "vat22",
    }
);

wire_enum!(
    /// A service the customer asks for on top of delivery.
    RequestedService, {
        /// Simple notice of delivery.
        SimpleNotice = "simple_notice",
        /// Registered notice of delivery.
        OrderedNotice = "ordered_notice",
        /// Electronic notice of delivery.
        ElectronicNotice = "electronic_notice",
        /// SMS notice to the recipient.
        SmsNotice = "sms_notice",
        /// Check of completeness against the inventory.
        CompletenessChecking = "completeness_checking",
        /// Inventory list (опись вложения).
        Inventory = "inventory",
        /// Courier delivery to the door.
        Courier = "courier",
        /// Fragile handling.
        Fragile = "fragile",
        /// Easy return.
        EasyReturn = "easy_return",
        /// Do not return if undelivered.
        NoReturn = "no_return",
        /// Try-on before payment.
        Fitting = "fitting",
        /// Check of contents by the recipient.
        ContentsChecking = "contents_checking",
        /// Partial redemption.
        PartialRedemption = "partial_redemption",
        /// Carry to the floor (movers).
        CarryToFloor = "carry_to_floor",
    }
);

wire_enum!(
    /// Priority of an order; higher runs first when work competes.
    Priority, {
        /// Can wait.
        Low = "low",
        /// The default.
        Normal = "normal",
        /// Ahead of normal work.
        High = "high",
        /// Ahead of everything.
        Urgent = "urgent",
    }
);

// The wire-enum macro cannot mark a default variant, so this one is written out.
#[allow(clippy::derivable_impls)]
impl Default for Priority {
    fn default() -> Self {
        Priority::Normal
    }
}

impl Priority {
    /// A number for sorting in storage: larger is more urgent.
    pub const fn rank(self) -> i16 {
        match self {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        }
    }
}

wire_enum!(
    /// Where an order is in its lifecycle. The allowed moves are the transition table in
    /// `okno_oms::lifecycle`; this enum only names the states.
    OrderStatus, {
        /// Received and stored; nothing done yet.
        Accepted = "accepted",
        /// Being prepared: address checked, tariff, executor, track number.
        Processing = "processing",
        /// Track number and label issued; waiting for hand-over.
        ReadyToShip = "ready_to_ship",
        /// Handed over to the executor.
        HandedOver = "handed_over",
        /// On the way.
        InTransit = "in_transit",
        /// Delivered to the recipient (final).
        Delivered = "delivered",
        /// Returned to the sender (final).
        Returned = "returned",
        /// Cancelled before hand-over (final).
        Cancelled = "cancelled",
    }
);

wire_enum!(
    /// Why an order is held.
    HoldKind, {
        /// The recipient's address could not be confirmed; waits for a correction or an
        /// operator.
        Address = "address",
        /// Waiting for the customer's payment.
        Payment = "payment",
        /// An operator stopped the order.
        Operator = "operator",
    }
);

impl OrderStatus {
    /// Whether no further change of status is possible.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Delivered | OrderStatus::Returned | OrderStatus::Cancelled
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_serde_and_parse() {
        for mail_type in MailType::ALL {
            let json = serde_json::to_string(mail_type).unwrap();
            assert_eq!(json, format!("\"{}\"", mail_type.as_str()));
            assert_eq!(MailType::parse(mail_type.as_str()), Some(*mail_type));
        }
        for status in OrderStatus::ALL {
            let back: OrderStatus =
                serde_json::from_str(&format!("\"{}\"", status.as_str())).unwrap();
            assert_eq!(back, *status);
        }
        assert_eq!(MailType::parse("postal_parcel"), None);
    }

    #[test]
    fn cash_on_delivery_categories() {
        assert!(MailCategory::WithDeclaredValueAndCashOnDelivery.allows_cash_on_delivery());
        assert!(!MailCategory::Ordinary.allows_cash_on_delivery());
        assert!(MailCategory::WithDeclaredValue.requires_declared_value());
        assert!(!MailCategory::WithCompulsoryPayment.requires_declared_value());
    }
}
