import type { Event, WithContext } from "schema-dts";
const checked: WithContext<Event> = {
  "@context": "https://schema.org",
  "@type": "Event",
  "name": "成果報告会",
  "description": "一年の成果を報告します。",
  "url": "http://127.0.0.1:39763/events/ev-63e480919e",
  "image": [
    "http://127.0.0.1:39763/events/ev-63e480919e/card.png"
  ],
  "startDate": "2030-03-06T12:00:00+09:00",
  "endDate": "2030-03-06T13:00:00+09:00",
  "eventStatus": "https://schema.org/EventScheduled",
  "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode",
  "location": {
    "@type": "VirtualLocation",
    "url": "http://127.0.0.1:39763/events/ev-63e480919e"
  },
  "inLanguage": "ja",
  "isAccessibleForFree": true,
  "offers": [
    {
      "@type": "Offer",
      "name": "ライブ参加",
      "price": "0",
      "priceCurrency": "JPY",
      "availability": "https://schema.org/InStock",
      "url": "http://127.0.0.1:39763/events/ev-63e480919e"
    },
    {
      "@type": "Offer",
      "name": "録画視聴",
      "price": "0",
      "priceCurrency": "JPY",
      "availability": "https://schema.org/InStock",
      "url": "http://127.0.0.1:39763/events/ev-63e480919e"
    }
  ],
  "organizer": {
    "@type": "Organization",
    "name": "テスト事務局"
  }
};
export default checked;
