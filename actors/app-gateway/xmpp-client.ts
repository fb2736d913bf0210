// Moved to core/xmpp/xmpp-client.ts (the alarms module sends over XMPP too); kept for the imports that name it here.
export { loadXmpp, type XmlElement, type XmppClient, type XmppClientOptions, type XmppModule } from '../../core/xmpp/xmpp-client.js';
