/**
 * zeromq.js, loaded with require(). The package is CommonJS; importing it
 * from an ES module would make Node start its CommonJS export scanner, which
 * costs every module process about 5 MB of resident memory for nothing.
 * Types come from the package as usual.
 */
import { createRequire } from 'node:module';
import type * as Zmq from 'zeromq';

const zmq = createRequire(import.meta.url)('zeromq') as typeof Zmq;

export const { Dealer, Router, XPublisher, Subscriber, Publisher, curveKeyPair } = zmq;
export type Dealer = Zmq.Dealer;
export type Router = Zmq.Router;
export type XPublisher = Zmq.XPublisher;
export type Subscriber = Zmq.Subscriber;
export type Publisher = Zmq.Publisher;
export type Socket = Zmq.Socket;
export type Writable = Zmq.Writable;
